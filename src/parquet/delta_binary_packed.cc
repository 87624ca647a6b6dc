#include "parquet/delta_binary_packed.h"

#include <algorithm>

namespace wv::parquet {
namespace {

constexpr size_t kBlockValues = 128;
constexpr size_t kMiniblocks = 4;
constexpr size_t kMiniblockValues = kBlockValues / kMiniblocks;  // 32

void PutUleb(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutZigZag(int64_t v, std::string* out) {
  PutUleb((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63), out);
}

// Appends 32 values bit-packed at `width` (0..64), LSB first: 4 * width bytes.
void PackMiniblock(const uint64_t* v, int width, std::string* out) {
  if (width == 0) return;
  unsigned __int128 acc = 0;
  int bits = 0;
  for (size_t i = 0; i < kMiniblockValues; ++i) {
    acc |= static_cast<unsigned __int128>(v[i]) << bits;
    bits += width;
    while (bits >= 8) {
      out->push_back(static_cast<char>(static_cast<uint8_t>(acc)));
      acc >>= 8;
      bits -= 8;
    }
  }
  // 32 * width bits is a whole number of bytes: nothing is left over.
}

// Appends one block of the deltas d[0, count), count <= kBlockValues.
void PutBlock(const uint64_t* d, size_t count, std::string* out) {
  uint64_t min_delta = d[0];
  for (size_t i = 1; i < count; ++i) {
    min_delta = static_cast<int64_t>(d[i]) < static_cast<int64_t>(min_delta) ? d[i] : min_delta;
  }
  PutZigZag(static_cast<int64_t>(min_delta), out);
  // The deltas less the minimum, zero-padded to whole miniblocks.
  uint64_t rel[kBlockValues] = {};
  for (size_t i = 0; i < count; ++i) rel[i] = d[i] - min_delta;
  const size_t used = (count + kMiniblockValues - 1) / kMiniblockValues;
  int widths[kMiniblocks] = {};
  for (size_t m = 0; m < used; ++m) {
    uint64_t all = 0;
    for (size_t i = 0; i < kMiniblockValues; ++i) all |= rel[m * kMiniblockValues + i];
    widths[m] = all == 0 ? 0 : 64 - __builtin_clzll(all);
  }
  // Unused miniblocks keep a width byte (zero) and no body.
  for (size_t m = 0; m < kMiniblocks; ++m) out->push_back(static_cast<char>(widths[m]));
  for (size_t m = 0; m < used; ++m) PackMiniblock(rel + m * kMiniblockValues, widths[m], out);
}

}  // namespace

void DeltaBinaryPackedEncode(const int64_t* values, size_t n, std::string* out) {
  PutUleb(kBlockValues, out);
  PutUleb(kMiniblocks, out);
  PutUleb(n, out);
  PutZigZag(n == 0 ? 0 : values[0], out);
  uint64_t deltas[kBlockValues];
  for (size_t start = 1; start < n; start += kBlockValues) {
    const size_t count = std::min(kBlockValues, n - start);
    for (size_t i = 0; i < count; ++i) {
      deltas[i] = static_cast<uint64_t>(values[start + i]) - static_cast<uint64_t>(values[start + i - 1]);
    }
    PutBlock(deltas, count, out);
  }
}

}  // namespace wv::parquet
