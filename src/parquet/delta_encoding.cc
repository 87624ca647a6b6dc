#include "parquet/delta_encoding.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "fmt/core.h"

namespace wv::parquet {
namespace {

constexpr int32_t kDeltaBinaryPacked = 5;
constexpr int32_t kDeltaLengthByteArray = 6;
constexpr int32_t kDeltaByteArray = 7;
constexpr int32_t kByteStreamSplit = 9;

class Cursor {
 public:
  Cursor(std::string_view data, std::string_view context) : data_(data), context_(context) {}

  Status Error(std::string_view what) const {
    return InputError(fmt::format("{}: corrupt DELTA_BINARY_PACKED data: {}", context_, what));
  }
  Status Uleb(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return Error("unexpected end of data");
      const auto b = static_cast<uint8_t>(data_[pos_++]);
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *v = result;
        return OkStatus();
      }
    }
    return Error("varint too long");
  }
  Status ZigZag(int64_t* v) {
    uint64_t u = 0;
    WV_RETURN_IF_ERROR(Uleb(&u));
    *v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
    return OkStatus();
  }
  size_t pos() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  const unsigned char* here() const {
    return reinterpret_cast<const unsigned char*>(data_.data()) + pos_;
  }
  void Skip(size_t n) { pos_ += n; }

 private:
  std::string_view data_;
  std::string_view context_;
  size_t pos_ = 0;
};

// Reads `width` (<= 64) bits at bit offset `bit` of p[0..size), LSB first.
uint64_t ReadBits(const unsigned char* p, size_t size, uint64_t bit, int width) {
  uint64_t v = 0;
  int got = 0;
  size_t byte = static_cast<size_t>(bit >> 3);
  int shift = static_cast<int>(bit & 7);
  while (got < width && byte < size) {
    const uint64_t chunk = static_cast<uint64_t>(p[byte]) >> shift;
    v |= chunk << got;
    got += 8 - shift;
    shift = 0;
    ++byte;
  }
  return width == 64 ? v : v & ((uint64_t{1} << width) - 1);
}

}  // namespace

Status DecodeDeltaBinaryPacked(std::string_view data, size_t count, std::string_view context,
                               std::vector<int64_t>* out, size_t* consumed) {
  Cursor c(data, context);
  uint64_t block_size = 0, miniblocks = 0, total = 0;
  int64_t first = 0;
  WV_RETURN_IF_ERROR(c.Uleb(&block_size));
  WV_RETURN_IF_ERROR(c.Uleb(&miniblocks));
  WV_RETURN_IF_ERROR(c.Uleb(&total));
  WV_RETURN_IF_ERROR(c.ZigZag(&first));
  if (block_size == 0 || block_size % 128 != 0 || block_size > (1u << 20) || miniblocks == 0 ||
      block_size % miniblocks != 0 || (block_size / miniblocks) % 32 != 0) {
    return c.Error(
        fmt::format("bad block layout ({} values in {} miniblocks)", block_size, miniblocks));
  }
  if (total != count) {
    return c.Error(fmt::format("holds {} values, the page needs {}", total, count));
  }
  const uint64_t per_mini = block_size / miniblocks;
  out->reserve(out->size() + std::min<size_t>(count, size_t{1} << 16));  // grows with the data
  if (count == 0) {
    *consumed = c.pos();
    return OkStatus();
  }
  uint64_t value = static_cast<uint64_t>(first);
  out->push_back(static_cast<int64_t>(value));
  size_t left = count - 1;
  while (left > 0) {
    int64_t min_delta = 0;
    WV_RETURN_IF_ERROR(c.ZigZag(&min_delta));
    if (c.remaining() < miniblocks) return c.Error("miniblock bit widths beyond end of data");
    const unsigned char* widths = c.here();
    c.Skip(miniblocks);
    for (uint64_t m = 0; m < miniblocks && left > 0; ++m) {
      const int width = widths[m];
      if (width > 64) return c.Error(fmt::format("bit width {}", width));
      const uint64_t bytes = per_mini * static_cast<uint64_t>(width) / 8;
      const size_t n = static_cast<size_t>(std::min<uint64_t>(per_mini, left));
      // The last miniblock may be cut short after its last value's byte.
      const uint64_t needed = (static_cast<uint64_t>(n) * width + 7) / 8;
      if (needed > c.remaining()) return c.Error("miniblock beyond end of data");
      const unsigned char* p = c.here();
      const size_t avail = static_cast<size_t>(std::min<uint64_t>(bytes, c.remaining()));
      for (size_t i = 0; i < n; ++i) {
        const uint64_t delta = ReadBits(p, avail, static_cast<uint64_t>(i) * width, width);
        value += static_cast<uint64_t>(min_delta) + delta;
        out->push_back(static_cast<int64_t>(value));
      }
      c.Skip(avail);
      left -= n;
    }
  }
  *consumed = c.pos();
  return OkStatus();
}

Status DecodeDeltaOrSplit(int32_t encoding, PhysicalType type, std::string_view data, size_t count,
                          std::string_view context, ColumnVector* out) {
  auto error = [&](std::string_view what) {
    return InputError(fmt::format("{}: {}", context, what));
  };
  switch (encoding) {
    case kDeltaBinaryPacked: {
      if (type != PhysicalType::kInt32 && type != PhysicalType::kInt64) {
        return error("DELTA_BINARY_PACKED on a non-integer column");
      }
      std::vector<int64_t> values;
      size_t used = 0;
      WV_RETURN_IF_ERROR(DecodeDeltaBinaryPacked(data, count, context, &values, &used));
      if (type == PhysicalType::kInt64) {
        out->i64.insert(out->i64.end(), values.begin(), values.end());
      } else {
        for (int64_t v : values) out->i32.push_back(static_cast<int32_t>(static_cast<uint32_t>(v)));
      }
      return OkStatus();
    }
    case kDeltaLengthByteArray: {
      if (type != PhysicalType::kByteArray) {
        return error("DELTA_LENGTH_BYTE_ARRAY on a non-binary column");
      }
      std::vector<int64_t> lengths;
      size_t used = 0;
      WV_RETURN_IF_ERROR(DecodeDeltaBinaryPacked(data, count, context, &lengths, &used));
      size_t pos = used;
      for (int64_t len : lengths) {
        if (len < 0 || static_cast<uint64_t>(len) > data.size() - pos) {
          return error("DELTA_LENGTH_BYTE_ARRAY value beyond end of page");
        }
        out->bytes.push_back(data.substr(pos, static_cast<size_t>(len)));
        pos += static_cast<size_t>(len);
      }
      return OkStatus();
    }
    case kDeltaByteArray: {
      if (type != PhysicalType::kByteArray) return error("DELTA_BYTE_ARRAY on a non-binary column");
      std::vector<int64_t> prefixes, suffixes;
      size_t used = 0, used2 = 0;
      WV_RETURN_IF_ERROR(DecodeDeltaBinaryPacked(data, count, context, &prefixes, &used));
      const std::string_view rest = data.substr(used);
      WV_RETURN_IF_ERROR(DecodeDeltaBinaryPacked(rest, count, context, &suffixes, &used2));
      size_t pos = used2;
      std::string previous, current;
      for (size_t i = 0; i < count; ++i) {
        const int64_t p = prefixes[i], s = suffixes[i];
        if (p < 0 || static_cast<uint64_t>(p) > previous.size()) {
          return error("DELTA_BYTE_ARRAY prefix longer than the previous value");
        }
        if (s < 0 || static_cast<uint64_t>(s) > rest.size() - pos) {
          return error("DELTA_BYTE_ARRAY suffix beyond end of page");
        }
        current.assign(previous, 0, static_cast<size_t>(p));
        current.append(rest.substr(pos, static_cast<size_t>(s)));
        pos += static_cast<size_t>(s);
        out->bytes.push_back(current);
        previous.swap(current);
      }
      return OkStatus();
    }
    case kByteStreamSplit: {
      size_t width = 0;
      switch (type) {
        case PhysicalType::kInt32:
        case PhysicalType::kFloat:
          width = 4;
          break;
        case PhysicalType::kInt64:
        case PhysicalType::kDouble:
          width = 8;
          break;
        default:
          return error("BYTE_STREAM_SPLIT on an unsupported column type");
      }
      if (count > data.size() / width) {
        return error("BYTE_STREAM_SPLIT data shorter than its values");
      }
      std::string bytes(count * width, '\0');
      for (size_t k = 0; k < width; ++k) {
        const char* stream = data.data() + k * count;
        for (size_t i = 0; i < count; ++i) bytes[i * width + k] = stream[i];
      }
      auto append = [&](auto& vec) {
        if (count == 0) return;
        const size_t old = vec.size();
        vec.resize(old + count);
        std::memcpy(vec.data() + old, bytes.data(), bytes.size());
      };
      if (type == PhysicalType::kInt32) append(out->i32);
      if (type == PhysicalType::kInt64) append(out->i64);
      if (type == PhysicalType::kFloat) append(out->f32);
      if (type == PhysicalType::kDouble) append(out->f64);
      return OkStatus();
    }
    default:
      return error(fmt::format("encoding {} is not a delta/split encoding", encoding));
  }
}

}  // namespace wv::parquet
