#ifndef WV_PARQUET_RLE_BIT_PACKED_H_
#define WV_PARQUET_RLE_BIT_PACKED_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

// The RLE / bit-packing hybrid encoding (parquet-format Encodings.md, "RLE"):
// used for definition levels, dictionary indices and RLE booleans. A stream
// of runs, each a ULEB128 header whose low bit says bit-packed (1: header>>1
// groups of 8 values, LSB-first) or repeated (0: header>>1 copies of one value
// stored in ceil(bit_width/8) little-endian bytes).
namespace wv::parquet {

// Number of bits needed to store values in [0, max_value].
int BitWidth(uint64_t max_value);

// Appends the hybrid encoding of values[0..n) (no length prefix) to *out.
// Runs of 8 or more equal values become RLE runs; the rest is bit-packed.
// REQUIRES: 0 <= bit_width <= 32, every value < 2^bit_width.
void RleBitPackedEncode(const uint32_t* values, size_t n, int bit_width, std::string* out);
// Same, for 0/1 bytes (definition levels / booleans) with bit width 1.
void RleBitPackedEncodeBits(const uint8_t* values, size_t n, std::string* out);

// Decodes a hybrid stream. Bounds-checked: running out of input or a malformed
// header is an InputError. Not thread-safe.
class RleBitPackedDecoder {
 public:
  // `context` prefixes error messages.
  RleBitPackedDecoder(std::string_view data, int bit_width, std::string_view context)
      : data_(data), bit_width_(bit_width), context_(context) {}

  // Decodes exactly n values into out.
  Status Decode(uint32_t* out, size_t n);
  // Decodes exactly n values, each must be 0 or 1 (levels with max level 1).
  Status DecodeBits(uint8_t* out, size_t n);

 private:
  Status NextRun();
  Status Error(std::string_view what) const;

  std::string_view data_;
  size_t pos_ = 0;
  int bit_width_;
  std::string_view context_;
  // Current run.
  bool run_is_rle_ = false;
  uint64_t run_remaining_ = 0;
  uint32_t rle_value_ = 0;
  size_t packed_pos_ = 0;      // byte offset of the next bit-packed value's group
  uint64_t packed_index_ = 0;  // index of the next value within the packed run
};

}  // namespace wv::parquet

#endif  // WV_PARQUET_RLE_BIT_PACKED_H_
