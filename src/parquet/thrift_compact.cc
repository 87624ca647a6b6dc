#include "parquet/thrift_compact.h"

#include <cstring>

#include "fmt/core.h"

namespace wv::parquet::thrift {

// ---- CompactWriter ----

void CompactWriter::Varint(uint64_t v) {
  while (v >= 0x80) {
    out_->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_->push_back(static_cast<char>(v));
}

void CompactWriter::BeginStruct() { last_ids_.push_back(0); }

void CompactWriter::EndStruct() {
  out_->push_back(0);
  last_ids_.pop_back();
}

void CompactWriter::FieldHeader(int16_t id, WireType type) {
  int16_t& last = last_ids_.back();
  const int delta = id - last;
  if (delta > 0 && delta <= 15) {
    out_->push_back(static_cast<char>((delta << 4) | static_cast<uint8_t>(type)));
  } else {
    out_->push_back(static_cast<char>(type));
    Varint(ZigZag32(id));
  }
  last = id;
}

void CompactWriter::FieldI32Typed(int16_t id, WireType type, int32_t v) {
  FieldHeader(id, type);
  Varint(ZigZag32(v));
}

void CompactWriter::FieldI32(int16_t id, int32_t v) { FieldI32Typed(id, WireType::kI32, v); }

void CompactWriter::FieldI64(int16_t id, int64_t v) {
  FieldHeader(id, WireType::kI64);
  Varint(ZigZag64(v));
}

void CompactWriter::FieldByte(int16_t id, int8_t v) {
  FieldHeader(id, WireType::kByte);
  out_->push_back(static_cast<char>(v));
}

void CompactWriter::FieldBool(int16_t id, bool v) {
  FieldHeader(id, v ? WireType::kBoolTrue : WireType::kBoolFalse);
}

void CompactWriter::FieldBinary(int16_t id, std::string_view v) {
  FieldHeader(id, WireType::kBinary);
  ElemBinary(v);
}

void CompactWriter::ElemBinary(std::string_view v) {
  Varint(v.size());
  out_->append(v);
}

void CompactWriter::FieldStructBegin(int16_t id) {
  FieldHeader(id, WireType::kStruct);
  BeginStruct();
}

void CompactWriter::FieldListBegin(int16_t id, WireType elem, uint32_t size) {
  FieldHeader(id, WireType::kList);
  if (size < 15) {
    out_->push_back(static_cast<char>((size << 4) | static_cast<uint8_t>(elem)));
  } else {
    out_->push_back(static_cast<char>(0xf0 | static_cast<uint8_t>(elem)));
    Varint(size);
  }
}

// ---- CompactReader ----

Status CompactReader::Error(std::string_view what) const {
  return InputError(
      fmt::format("{}: corrupt Thrift metadata at byte {}: {}", context_, pos_, what));
}

Status CompactReader::ReadByte(uint8_t* b) {
  if (pos_ >= data_.size()) return Error("unexpected end of data");
  *b = static_cast<uint8_t>(data_[pos_++]);
  return OkStatus();
}

Status CompactReader::ReadVarint(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    uint8_t b = 0;
    WV_RETURN_IF_ERROR(ReadByte(&b));
    if (shift == 63 && (b & 0x7e) != 0) return Error("varint overflows 64 bits");
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return OkStatus();
    }
  }
  return Error("varint longer than 10 bytes");
}

Status CompactReader::BeginStruct() {
  if (last_ids_.size() >= kMaxNesting) return Error("structs nested too deeply");
  last_ids_.push_back(0);
  return OkStatus();
}

void CompactReader::EndStruct() {
  if (!last_ids_.empty()) last_ids_.pop_back();
}

Status CompactReader::ReadFieldHeader(int16_t* id, WireType* type, bool* more) {
  uint8_t b = 0;
  WV_RETURN_IF_ERROR(ReadByte(&b));
  if (b == 0) {
    *more = false;
    return OkStatus();
  }
  *more = true;
  const uint8_t t = b & 0x0f;
  if (t > static_cast<uint8_t>(WireType::kStruct)) return Error(fmt::format("bad wire type {}", t));
  *type = static_cast<WireType>(t);
  const int delta = b >> 4;
  if (last_ids_.empty()) return Error("field outside a struct");
  if (delta != 0) {
    *id = static_cast<int16_t>(last_ids_.back() + delta);
  } else {
    uint64_t raw = 0;
    WV_RETURN_IF_ERROR(ReadVarint(&raw));
    const int64_t v = static_cast<int64_t>(raw >> 1) ^ -static_cast<int64_t>(raw & 1);
    if (v < INT16_MIN || v > INT16_MAX) return Error("field id out of range");
    *id = static_cast<int16_t>(v);
  }
  last_ids_.back() = *id;
  return OkStatus();
}

Status CompactReader::ReadI64(WireType type, int64_t* v) {
  switch (type) {
    case WireType::kByte: {
      uint8_t b = 0;
      WV_RETURN_IF_ERROR(ReadByte(&b));
      *v = static_cast<int8_t>(b);
      return OkStatus();
    }
    case WireType::kI16:
    case WireType::kI32:
    case WireType::kI64: {
      uint64_t raw = 0;
      WV_RETURN_IF_ERROR(ReadVarint(&raw));
      *v = static_cast<int64_t>(raw >> 1) ^ -static_cast<int64_t>(raw & 1);
      return OkStatus();
    }
    default:
      return Error(fmt::format("expected an integer, found wire type {}", static_cast<int>(type)));
  }
}

Status CompactReader::ReadI32(WireType type, int32_t* v) {
  int64_t wide = 0;
  WV_RETURN_IF_ERROR(ReadI64(type, &wide));
  if (wide < INT32_MIN || wide > INT32_MAX) return Error("i32 value out of range");
  *v = static_cast<int32_t>(wide);
  return OkStatus();
}

Status CompactReader::ReadBool(WireType type, bool* v) {
  if (type == WireType::kBoolTrue) {
    *v = true;
  } else if (type == WireType::kBoolFalse) {
    *v = false;
  } else {
    return Error("expected a bool");
  }
  return OkStatus();
}

Status CompactReader::ReadListBool(bool* v) {
  uint8_t b = 0;
  WV_RETURN_IF_ERROR(ReadByte(&b));
  *v = (b == 1);
  return OkStatus();
}

Status CompactReader::ReadBinary(std::string_view* v) {
  uint64_t len = 0;
  WV_RETURN_IF_ERROR(ReadVarint(&len));
  if (len > data_.size() - pos_) return Error("binary length beyond end of data");
  *v = data_.substr(pos_, len);
  pos_ += len;
  return OkStatus();
}

Status CompactReader::ReadListHeader(WireType* elem, uint32_t* size) {
  uint8_t b = 0;
  WV_RETURN_IF_ERROR(ReadByte(&b));
  const uint8_t t = b & 0x0f;
  if (t > static_cast<uint8_t>(WireType::kStruct)) return Error("bad list element type");
  *elem = static_cast<WireType>(t);
  uint64_t n = b >> 4;
  if (n == 15) WV_RETURN_IF_ERROR(ReadVarint(&n));
  // Every element takes at least one byte, so a longer list is a lie.
  if (n > data_.size() - pos_) return Error("list size beyond end of data");
  *size = static_cast<uint32_t>(n);
  return OkStatus();
}

Status CompactReader::ChargeDecoded(uint64_t count, size_t bytes_each) {
  decoded_bytes_ += count * bytes_each;  // count <= the data's size: no overflow
  if (decoded_bytes_ > kMaxDecodedBytes) {
    return Error(fmt::format("lists of {} elements of {} bytes take more than {} MiB decoded",
                             count, bytes_each, kMaxDecodedBytes >> 20));
  }
  return OkStatus();
}

Status CompactReader::Skip(WireType type) { return SkipDepth(type, 0); }

Status CompactReader::SkipDepth(WireType type, int depth) {
  if (depth > kMaxNesting) return Error("values nested too deeply");
  switch (type) {
    case WireType::kBoolTrue:
    case WireType::kBoolFalse:
      return OkStatus();
    case WireType::kByte: {
      uint8_t b = 0;
      return ReadByte(&b);
    }
    case WireType::kI16:
    case WireType::kI32:
    case WireType::kI64: {
      uint64_t v = 0;
      return ReadVarint(&v);
    }
    case WireType::kDouble:
      if (data_.size() - pos_ < 8) return Error("unexpected end of data");
      pos_ += 8;
      return OkStatus();
    case WireType::kBinary: {
      std::string_view v;
      return ReadBinary(&v);
    }
    case WireType::kList:
    case WireType::kSet: {
      WireType elem = WireType::kStop;
      uint32_t n = 0;
      WV_RETURN_IF_ERROR(ReadListHeader(&elem, &n));
      for (uint32_t i = 0; i < n; ++i) {
        if (elem == WireType::kBoolTrue || elem == WireType::kBoolFalse) {
          uint8_t b = 0;
          WV_RETURN_IF_ERROR(ReadByte(&b));
        } else {
          WV_RETURN_IF_ERROR(SkipDepth(elem, depth + 1));
        }
      }
      return OkStatus();
    }
    case WireType::kMap: {
      uint64_t n = 0;
      WV_RETURN_IF_ERROR(ReadVarint(&n));
      if (n == 0) return OkStatus();
      if (n > data_.size() - pos_) return Error("map size beyond end of data");
      uint8_t kv = 0;
      WV_RETURN_IF_ERROR(ReadByte(&kv));
      const auto key = static_cast<WireType>(kv >> 4);
      const auto val = static_cast<WireType>(kv & 0x0f);
      if ((kv >> 4) > 12 || (kv & 0x0f) > 12) return Error("bad map types");
      for (uint64_t i = 0; i < n; ++i) {
        for (WireType t : {key, val}) {
          if (t == WireType::kBoolTrue || t == WireType::kBoolFalse) {
            uint8_t b = 0;
            WV_RETURN_IF_ERROR(ReadByte(&b));
          } else {
            WV_RETURN_IF_ERROR(SkipDepth(t, depth + 1));
          }
        }
      }
      return OkStatus();
    }
    case WireType::kStruct: {
      WV_RETURN_IF_ERROR(BeginStruct());
      while (true) {
        int16_t id = 0;
        WireType t = WireType::kStop;
        bool more = 0;
        WV_RETURN_IF_ERROR(ReadFieldHeader(&id, &t, &more));
        if (!more) break;
        WV_RETURN_IF_ERROR(SkipDepth(t, depth + 1));
      }
      EndStruct();
      return OkStatus();
    }
    case WireType::kStop:
      break;
  }
  return Error("cannot skip a value of unknown type");
}

}  // namespace wv::parquet::thrift
