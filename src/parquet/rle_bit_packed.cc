#include "parquet/rle_bit_packed.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "fmt/core.h"

namespace wv::parquet {
namespace {

// Longest bit-packed run we emit (63 groups of 8): its header fits in one
// byte, which some older readers assume.
constexpr size_t kMaxPackedValues = 63 * 8;
constexpr size_t kMinRleRun = 8;

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Bit-packs values[0..n) (n <= kMaxPackedValues), zero-padding to a multiple of 8.
// Values are gathered 32 bits at a time into a 64-bit accumulator and stored
// four bytes at once (little-endian, as the format's bit order is).
// REQUIRES: bit_width <= 32 and every value < 2^bit_width.
template <typename T>
void PutPacked(const T* values, size_t n, int bit_width, std::string* out) {
  static_assert(std::endian::native == std::endian::little);
  const size_t groups = (n + 7) / 8;
  PutVarint((groups << 1) | 1, out);
  const size_t bytes = groups * static_cast<size_t>(bit_width);
  const size_t start = out->size();
  out->resize(start + bytes);
  char* dst = out->data() + start;
  uint64_t acc = 0;
  int bits = 0;
  const auto put = [&](uint64_t v) {
    acc |= v << bits;  // bits < 32 here, v < 2^32: no bit is lost
    bits += bit_width;
    if (bits >= 32) {
      const auto low = static_cast<uint32_t>(acc);
      std::memcpy(dst, &low, 4);
      dst += 4;
      acc >>= 32;
      bits -= 32;
    }
  };
  for (size_t i = 0; i < n; ++i) put(static_cast<uint64_t>(values[i]));
  for (size_t i = n; i < groups * 8; ++i) put(0);
  // groups*8*bit_width bits is a whole number of bytes: store what is left.
  for (; bits > 0; bits -= 8) {
    *dst++ = static_cast<char>(acc & 0xff);
    acc >>= 8;
  }
}

template <typename T>
void PutRle(T value, size_t count, int bit_width, std::string* out) {
  PutVarint(static_cast<uint64_t>(count) << 1, out);
  const int bytes = (bit_width + 7) / 8;
  uint32_t v = static_cast<uint32_t>(value);
  for (int i = 0; i < bytes; ++i) {
    out->push_back(static_cast<char>(v & 0xff));
    v >>= 8;
  }
}

template <typename T>
void PutLiterals(const T* values, size_t n, int bit_width, std::string* out) {
  while (n > 0) {
    const size_t chunk = std::min(n, kMaxPackedValues);
    PutPacked(values, chunk, bit_width, out);
    values += chunk;
    n -= chunk;
  }
}

template <typename T>
void Encode(const T* v, size_t n, int bit_width, std::string* out) {
  size_t lit_start = 0;
  size_t i = 0;
  while (i < n) {
    size_t run_end = i + 1;
    while (run_end < n && v[run_end] == v[i]) ++run_end;
    const size_t run = run_end - i;
    if (run >= kMinRleRun) {
      // Literals before the run must fill whole groups of 8: borrow the run's
      // first values to complete the last group.
      const size_t pending = i - lit_start;
      const size_t pad = (8 - pending % 8) % 8;
      if (pending > 0) {
        PutLiterals(v + lit_start, pending + pad, bit_width, out);
      }
      const size_t rle_start = pending > 0 ? i + pad : i;
      PutRle(v[i], run_end - rle_start, bit_width, out);
      lit_start = run_end;
    }
    i = run_end;
  }
  if (lit_start < n) PutLiterals(v + lit_start, n - lit_start, bit_width, out);
}

}  // namespace

int BitWidth(uint64_t max_value) { return max_value == 0 ? 0 : 64 - std::countl_zero(max_value); }

void RleBitPackedEncode(const uint32_t* values, size_t n, int bit_width, std::string* out) {
  Encode(values, n, bit_width, out);
}

void RleBitPackedEncodeBits(const uint8_t* values, size_t n, std::string* out) {
  Encode(values, n, 1, out);
}

Status RleBitPackedDecoder::Error(std::string_view what) const {
  return InputError(fmt::format("{}: corrupt RLE/bit-packed data: {}", context_, what));
}

Status RleBitPackedDecoder::NextRun() {
  uint64_t header = 0;
  for (int shift = 0;; shift += 7) {
    if (shift > 63) return Error("run header varint too long");
    if (pos_ >= data_.size()) return Error("ran out of data (expected more values)");
    const uint8_t b = static_cast<uint8_t>(data_[pos_++]);
    header |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
  }
  if (header & 1) {
    const uint64_t groups = header >> 1;
    if (groups == 0) return Error("empty bit-packed run");
    const uint64_t avail = data_.size() - pos_;
    uint64_t values = groups > (uint64_t{1} << 56) ? (uint64_t{1} << 59) : groups * 8;
    if (bit_width_ > 0) {
      // Some writers truncate the final run after the byte holding its last
      // value: accept the values that are present; the caller's value count
      // catches a real shortfall.
      values = std::min<uint64_t>(values, avail * 8 / static_cast<uint64_t>(bit_width_));
      if (values == 0) return Error("bit-packed run beyond end of data");
    }
    run_is_rle_ = false;
    run_remaining_ = values;
    packed_pos_ = pos_;
    packed_index_ = 0;
    pos_ += std::min<uint64_t>(avail, groups * static_cast<uint64_t>(bit_width_));
  } else {
    run_remaining_ = header >> 1;
    if (run_remaining_ == 0) return Error("empty RLE run");
    const int bytes = (bit_width_ + 7) / 8;
    if (static_cast<size_t>(bytes) > data_.size() - pos_) return Error("RLE value beyond end");
    uint32_t v = 0;
    for (int i = 0; i < bytes; ++i) {
      v |= static_cast<uint32_t>(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
    }
    pos_ += bytes;
    if (bit_width_ < 32 && (v >> bit_width_) != 0) return Error("RLE value wider than bit width");
    rle_value_ = v;
    run_is_rle_ = true;
  }
  return OkStatus();
}

Status RleBitPackedDecoder::Decode(uint32_t* out, size_t n) {
  if (bit_width_ < 0 || bit_width_ > 32) return Error(fmt::format("bad bit width {}", bit_width_));
  const uint64_t mask = bit_width_ == 32 ? 0xffffffffull : ((uint64_t{1} << bit_width_) - 1);
  const unsigned char* base = reinterpret_cast<const unsigned char*>(data_.data());
  while (n > 0) {
    if (run_remaining_ == 0) WV_RETURN_IF_ERROR(NextRun());
    const size_t take = static_cast<size_t>(std::min<uint64_t>(run_remaining_, n));
    if (run_is_rle_) {
      std::fill(out, out + take, rle_value_);
    } else if (bit_width_ == 0) {
      std::fill(out, out + take, 0u);
      packed_index_ += take;
    } else {
      const size_t end = data_.size();
      uint64_t bit = packed_index_ * static_cast<uint64_t>(bit_width_);
      for (size_t i = 0; i < take; ++i, bit += bit_width_) {
        const size_t byte = packed_pos_ + (bit >> 3);
        uint64_t word = 0;
        if (byte + 8 <= end) {
          std::memcpy(&word, base + byte, 8);
        } else {
          for (size_t k = 0; byte + k < end && k < 8; ++k) {
            word |= uint64_t{base[byte + k]} << (8 * k);
          }
        }
        out[i] = static_cast<uint32_t>((word >> (bit & 7)) & mask);
      }
      packed_index_ += take;
    }
    out += take;
    n -= take;
    run_remaining_ -= take;
  }
  return OkStatus();
}

Status RleBitPackedDecoder::DecodeBits(uint8_t* out, size_t n) {
  if (bit_width_ != 1) return Error(fmt::format("levels need bit width 1, not {}", bit_width_));
  uint32_t buf[512];
  while (n > 0) {
    const size_t take = std::min<size_t>(n, 512);
    WV_RETURN_IF_ERROR(Decode(buf, take));
    for (size_t i = 0; i < take; ++i) out[i] = static_cast<uint8_t>(buf[i]);
    out += take;
    n -= take;
  }
  return OkStatus();
}

}  // namespace wv::parquet
