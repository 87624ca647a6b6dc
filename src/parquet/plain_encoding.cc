#include "parquet/plain_encoding.h"

#include <bit>
#include <cstring>

#include "fmt/core.h"

static_assert(std::endian::native == std::endian::little,
              "PLAIN encoding is little endian; this code copies values as they are in memory");

namespace wv::parquet {
namespace {

template <typename T>
void EncodeFixed(const std::vector<T>& values, const std::vector<uint8_t>& valid, size_t begin,
                 size_t end, std::string* out) {
  const size_t start = out->size();
  if (end == begin) return;  // memcpy from an empty vector's null data() is UB
  if (valid.empty()) {
    out->resize(start + (end - begin) * sizeof(T));
    std::memcpy(out->data() + start, values.data() + begin, (end - begin) * sizeof(T));
    return;
  }
  out->resize(start + (end - begin) * sizeof(T));
  char* dst = out->data() + start;
  for (size_t i = begin; i < end; ++i) {
    std::memcpy(dst, &values[i], sizeof(T));
    dst += valid[i] ? sizeof(T) : 0;
  }
  out->resize(static_cast<size_t>(dst - out->data()));
}

template <typename T>
Status DecodeFixed(std::string_view data, size_t count, std::string_view context,
                   std::vector<T>* out, size_t* consumed) {
  if (count > data.size() / sizeof(T)) {
    return InputError(fmt::format("{}: PLAIN data holds {} bytes, {} values of {} bytes needed",
                                  context, data.size(), count, sizeof(T)));
  }
  *consumed = count * sizeof(T);
  if (count == 0) return OkStatus();
  const size_t old = out->size();
  out->resize(old + count);
  std::memcpy(out->data() + old, data.data(), count * sizeof(T));
  *consumed = count * sizeof(T);
  return OkStatus();
}

}  // namespace

size_t FixedWidth(PhysicalType type) {
  switch (type) {
    case PhysicalType::kInt32:
    case PhysicalType::kFloat:
      return 4;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble:
      return 8;
    case PhysicalType::kBoolean:
    case PhysicalType::kByteArray:
      return 0;
  }
  return 0;
}

void PlainEncode(PhysicalType type, const ColumnVector& c, size_t begin, size_t end,
                 std::string* out) {
  switch (type) {
    case PhysicalType::kInt32:
      EncodeFixed(c.i32, c.valid, begin, end, out);
      return;
    case PhysicalType::kInt64:
      EncodeFixed(c.i64, c.valid, begin, end, out);
      return;
    case PhysicalType::kFloat:
      EncodeFixed(c.f32, c.valid, begin, end, out);
      return;
    case PhysicalType::kDouble:
      EncodeFixed(c.f64, c.valid, begin, end, out);
      return;
    case PhysicalType::kBoolean: {
      uint8_t acc = 0;
      int bits = 0;
      for (size_t i = begin; i < end; ++i) {
        if (!c.valid.empty() && !c.valid[i]) continue;
        acc |= static_cast<uint8_t>((c.bools[i] ? 1 : 0) << bits);
        if (++bits == 8) {
          out->push_back(static_cast<char>(acc));
          acc = 0;
          bits = 0;
        }
      }
      if (bits > 0) out->push_back(static_cast<char>(acc));
      return;
    }
    case PhysicalType::kByteArray: {
      const uint64_t* off = c.bytes.offsets.data();
      const char* data = c.bytes.data.data();
      size_t total = 0;
      for (size_t i = begin; i < end; ++i) total += 4 + (off[i + 1] - off[i]);
      const size_t start = out->size();
      out->resize(start + total);
      char* dst = out->data() + start;
      for (size_t i = begin; i < end; ++i) {
        if (!c.valid.empty() && !c.valid[i]) continue;
        const uint32_t len = static_cast<uint32_t>(off[i + 1] - off[i]);
        std::memcpy(dst, &len, 4);
        std::memcpy(dst + 4, data + off[i], len);
        dst += 4 + len;
      }
      out->resize(static_cast<size_t>(dst - out->data()));
      return;
    }
  }
}

Status PlainDecode(PhysicalType type, std::string_view data, size_t count, std::string_view context,
                   ColumnVector* out, size_t* consumed) {
  switch (type) {
    case PhysicalType::kInt32:
      return DecodeFixed(data, count, context, &out->i32, consumed);
    case PhysicalType::kInt64:
      return DecodeFixed(data, count, context, &out->i64, consumed);
    case PhysicalType::kFloat:
      return DecodeFixed(data, count, context, &out->f32, consumed);
    case PhysicalType::kDouble:
      return DecodeFixed(data, count, context, &out->f64, consumed);
    case PhysicalType::kBoolean: {
      if ((count + 7) / 8 > data.size()) {
        return InputError(fmt::format("{}: PLAIN booleans truncated ({} bytes for {} values)",
                                      context, data.size(), count));
      }
      const size_t old = out->bools.size();
      out->bools.resize(old + count);
      for (size_t i = 0; i < count; ++i) {
        out->bools[old + i] = (static_cast<uint8_t>(data[i >> 3]) >> (i & 7)) & 1;
      }
      *consumed = (count + 7) / 8;
      return OkStatus();
    }
    case PhysicalType::kByteArray: {
      size_t pos = 0;
      for (size_t i = 0; i < count; ++i) {
        if (data.size() - pos < 4) {
          return InputError(fmt::format("{}: PLAIN byte array {} of {}: length beyond end of page",
                                        context, i, count));
        }
        uint32_t len = 0;
        std::memcpy(&len, data.data() + pos, 4);
        pos += 4;
        if (len > data.size() - pos) {
          return InputError(fmt::format("{}: PLAIN byte array {} of {}: {} bytes beyond the page",
                                        context, i, count, len));
        }
        out->bytes.push_back(data.substr(pos, len));
        pos += len;
      }
      *consumed = pos;
      return OkStatus();
    }
  }
  return InternalError("unknown physical type");
}

}  // namespace wv::parquet
