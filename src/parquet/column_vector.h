#ifndef WV_PARQUET_COLUMN_VECTOR_H_
#define WV_PARQUET_COLUMN_VECTOR_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// The in-memory columnar representation shared by the pipeline, the Parquet
// writer (which encodes it) and the Parquet reader (which decodes into it).
//
// Not thread-safe: one thread fills or reads a given vector at a time; distinct
// vectors may be used from distinct threads.
namespace wv::parquet {

// Variable-length byte strings stored back to back: value i is
// data[offsets[i], offsets[i+1]). offsets always starts with 0.
struct ByteArrayVector {
  std::vector<uint64_t> offsets{0};
  std::string data;

  size_t size() const { return offsets.size() - 1; }
  std::string_view operator[](size_t i) const {
    return std::string_view(data).substr(offsets[i], offsets[i + 1] - offsets[i]);
  }
  void push_back(std::string_view v) {
    data.append(v);
    offsets.push_back(data.size());
  }
  void clear() {
    offsets.assign(1, 0);
    data.clear();
  }
  void reserve(size_t n, size_t bytes) {
    offsets.reserve(n + 1);
    data.reserve(bytes);
  }
};

// One column's values. Exactly one value array is used, chosen by the
// column's physical type (see parquet/schema.h):
//   BOOLEAN -> bools (0/1), INT32 -> i32, INT64 -> i64, FLOAT -> f32,
//   DOUBLE -> f64, BYTE_ARRAY -> bytes.
// For an OPTIONAL column, `valid` has one entry per row (1 = present); the
// value arrays still hold one slot per row (the slot of a null is ignored, and
// is 0 / empty by convention). For a REQUIRED column `valid` is empty.
struct ColumnVector {
  std::vector<uint8_t> bools;
  std::vector<int32_t> i32;
  std::vector<int64_t> i64;
  std::vector<float> f32;
  std::vector<double> f64;
  ByteArrayVector bytes;
  std::vector<uint8_t> valid;

  bool is_null(size_t row) const { return !valid.empty() && valid[row] == 0; }
  void clear() {
    bools.clear();
    i32.clear();
    i64.clear();
    f32.clear();
    f64.clear();
    bytes.clear();
    valid.clear();
  }
};

// Appends `from`'s values (every array, validity included) to *to.
inline void AppendValues(const ColumnVector& from, ColumnVector* to) {
  to->bools.insert(to->bools.end(), from.bools.begin(), from.bools.end());
  to->i32.insert(to->i32.end(), from.i32.begin(), from.i32.end());
  to->i64.insert(to->i64.end(), from.i64.begin(), from.i64.end());
  to->f32.insert(to->f32.end(), from.f32.begin(), from.f32.end());
  to->f64.insert(to->f64.end(), from.f64.begin(), from.f64.end());
  to->valid.insert(to->valid.end(), from.valid.begin(), from.valid.end());
  for (size_t i = 0; i < from.bytes.size(); ++i) to->bytes.push_back(from.bytes[i]);
}

}  // namespace wv::parquet

#endif  // WV_PARQUET_COLUMN_VECTOR_H_
