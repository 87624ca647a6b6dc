#include "warehouse/copy_binary.h"

#include <bit>
#include <cstring>

namespace wv::warehouse {

void CopyBinaryWriter::Put16(uint16_t v) {
  const char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  data_.append(b, 2);
}

void CopyBinaryWriter::Put32(uint32_t v) {
  const uint32_t be = __builtin_bswap32(v);
  data_.append(reinterpret_cast<const char*>(&be), 4);
}

void CopyBinaryWriter::Put64(uint64_t v) {
  const uint64_t be = __builtin_bswap64(v);
  data_.append(reinterpret_cast<const char*>(&be), 8);
}

void CopyBinaryWriter::Header() {
  static constexpr char kSignature[] = "PGCOPY\n\377\r\n";  // 11 bytes with its NUL
  data_.append(kSignature, 11);
  Put32(0);  // flags: no OIDs
  Put32(0);  // header extension length
}

void CopyBinaryWriter::Trailer() { Put16(0xFFFF); }

void CopyBinaryWriter::BeginRow(int16_t fields) { Put16(static_cast<uint16_t>(fields)); }

void CopyBinaryWriter::Int64(int64_t v) {
  Put32(8);
  Put64(static_cast<uint64_t>(v));
}

void CopyBinaryWriter::Int32(int32_t v) {
  Put32(4);
  Put32(static_cast<uint32_t>(v));
}

void CopyBinaryWriter::Float64(double v) {
  Put32(8);
  Put64(std::bit_cast<uint64_t>(v));
}

void CopyBinaryWriter::Float32(float v) {
  Put32(4);
  Put32(std::bit_cast<uint32_t>(v));
}

void CopyBinaryWriter::Bool(bool v) {
  Put32(1);
  data_.push_back(v ? 1 : 0);
}

void CopyBinaryWriter::Bytes(std::string_view v) {
  Put32(static_cast<uint32_t>(v.size()));
  data_.append(v);
}

void CopyBinaryWriter::Null() { Put32(0xFFFFFFFFu); }

}  // namespace wv::warehouse
