#include "parquet/delta_binary_packed.h"

#include <algorithm>
#include <cstring>

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

// Appends 32 values bit-packed at `width` (0..64), LSB first: 4 * width
// bytes, written 8 at a time.
void PackMiniblock(const uint64_t* v, int width, std::string* out) {
  if (width == 0) return;
  const size_t start = out->size();
  out->resize(start + 4 * static_cast<size_t>(width) + 8);  // 8 spare for the last word
  char* p = out->data() + start;
  uint64_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < kMiniblockValues; ++i) {
    acc |= v[i] << bits;
    if (bits + width >= 64) {
      std::memcpy(p, &acc, 8);
      p += 8;
      acc = bits == 0 ? 0 : v[i] >> (64 - bits);
      bits += width - 64;
    } else {
      bits += width;
    }
  }
  std::memcpy(p, &acc, 8);  // 32 * width bits: 0 or 32 bits are left
  out->resize(start + 4 * static_cast<size_t>(width));
}

// A block's smallest delta and its miniblocks' bit widths (unused ones 0);
// rel[] receives the deltas less the smallest, zero-padded to whole
// miniblocks.
struct BlockLayout {
  uint64_t min_delta = 0;
  int widths[kMiniblocks] = {};
  size_t used = 0;  // miniblocks holding values
};

BlockLayout LayOutBlock(const uint64_t* d, size_t count, uint64_t* rel) {
  BlockLayout b;
  int64_t min_delta = static_cast<int64_t>(d[0]);
  for (size_t i = 1; i < count; ++i) min_delta = std::min(min_delta, static_cast<int64_t>(d[i]));
  b.min_delta = static_cast<uint64_t>(min_delta);
  for (size_t i = 0; i < count; ++i) rel[i] = d[i] - b.min_delta;
  for (size_t i = count; i < kBlockValues; ++i) rel[i] = 0;
  b.used = (count + kMiniblockValues - 1) / kMiniblockValues;
  for (size_t m = 0; m < b.used; ++m) {
    uint64_t all = 0;
    for (size_t i = 0; i < kMiniblockValues; ++i) all |= rel[m * kMiniblockValues + i];
    b.widths[m] = all == 0 ? 0 : 64 - __builtin_clzll(all);
  }
  return b;
}

size_t UlebBytes(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

// Calls fn(layout, rel, count) for each block of the deltas of values[0, n).
template <typename Fn>
void ForEachBlock(const int64_t* values, size_t n, Fn&& fn) {
  uint64_t deltas[kBlockValues];
  uint64_t rel[kBlockValues];
  for (size_t start = 1; start < n; start += kBlockValues) {
    const size_t count = std::min(kBlockValues, n - start);
    for (size_t i = 0; i < count; ++i) {
      deltas[i] =
          static_cast<uint64_t>(values[start + i]) - static_cast<uint64_t>(values[start + i - 1]);
    }
    fn(LayOutBlock(deltas, count, rel), rel);
  }
}

size_t HeaderBytes(const int64_t* values, size_t n) {
  return UlebBytes(kBlockValues) + UlebBytes(kMiniblocks) + UlebBytes(n) +
         UlebBytes(ZigZag(n == 0 ? 0 : values[0]));
}

}  // namespace

size_t DeltaBinaryPackedBytes(const int64_t* values, size_t n) {
  size_t bytes = HeaderBytes(values, n);
  ForEachBlock(values, n, [&](const BlockLayout& b, const uint64_t*) {
    bytes += UlebBytes(ZigZag(static_cast<int64_t>(b.min_delta))) + kMiniblocks;
    for (size_t m = 0; m < b.used; ++m) bytes += 4 * static_cast<size_t>(b.widths[m]);
  });
  return bytes;
}

void DeltaBinaryPackedEncode(const int64_t* values, size_t n, std::string* out) {
  PutUleb(kBlockValues, out);
  PutUleb(kMiniblocks, out);
  PutUleb(n, out);
  PutUleb(ZigZag(n == 0 ? 0 : values[0]), out);
  ForEachBlock(values, n, [&](const BlockLayout& b, const uint64_t* rel) {
    PutUleb(ZigZag(static_cast<int64_t>(b.min_delta)), out);
    // Unused miniblocks keep a width byte (zero) and no body.
    for (size_t m = 0; m < kMiniblocks; ++m) out->push_back(static_cast<char>(b.widths[m]));
    for (size_t m = 0; m < b.used; ++m) PackMiniblock(rel + m * kMiniblockValues, b.widths[m], out);
  });
}

}  // namespace wv::parquet
