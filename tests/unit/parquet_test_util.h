#ifndef WV_TESTS_UNIT_PARQUET_TEST_UTIL_H_
#define WV_TESTS_UNIT_PARQUET_TEST_UTIL_H_

// Helpers shared by the Parquet unit tests: random columns, writing to memory,
// reading everything back, comparing value by value.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "parquet/reader.h"
#include "parquet/writer.h"
#include "support/test_sinks.h"

namespace wv::testing {

using namespace wv::parquet;  // the helpers speak the format's types

inline ColumnVector RandomColumn(const ColumnSchema& s, size_t n, std::mt19937_64& rng,
                                 double null_ratio, int distinct) {
  ColumnVector c;
  std::uniform_real_distribution<double> unit(0, 1);
  std::uniform_int_distribution<int> pick(0, std::max(distinct - 1, 0));
  const bool optional = s.repetition == Repetition::kOptional;
  static const std::vector<std::string> kSpecialStrings = {
      "", "a", "é", "日本語", std::string(1, '\0'), "\xff\xfe", std::string(300, 'x'), "Z"};
  for (size_t i = 0; i < n; ++i) {
    const bool valid = !optional || unit(rng) >= null_ratio;
    if (optional) c.valid.push_back(valid ? 1 : 0);
    const int k = pick(rng);  // value id, repeats when distinct is small
    std::mt19937_64 vr(static_cast<uint64_t>(k) * 7919 + static_cast<uint64_t>(s.physical));
    const uint64_t bits = vr();
    switch (s.physical) {
      case PhysicalType::kBoolean:
        c.bools.push_back(valid ? (bits & 1) : 0);
        break;
      case PhysicalType::kInt32: {
        int32_t v = static_cast<int32_t>(bits);
        if (s.logical == LogicalType::kInt8) v = static_cast<int8_t>(bits);
        if (s.logical == LogicalType::kInt16) v = static_cast<int16_t>(bits);
        if (k == 1) v = std::numeric_limits<int32_t>::min();
        if (k == 2) v = std::numeric_limits<int32_t>::max();
        if (s.logical == LogicalType::kInt8 && k < 3) v = k == 1 ? -128 : 127;
        if (s.logical == LogicalType::kInt16 && k < 3) v = k == 1 ? -32768 : 32767;
        c.i32.push_back(valid ? v : 0);
        break;
      }
      case PhysicalType::kInt64: {
        int64_t v = static_cast<int64_t>(bits);
        if (k == 1) v = std::numeric_limits<int64_t>::min();
        if (k == 2) v = std::numeric_limits<int64_t>::max();
        c.i64.push_back(valid ? v : 0);
        break;
      }
      case PhysicalType::kFloat: {
        float v = static_cast<float>(static_cast<int64_t>(bits % 2000001) - 1000000) / 7.0f;
        if (k == 1) v = std::numeric_limits<float>::quiet_NaN();
        if (k == 2) v = -std::numeric_limits<float>::infinity();
        if (k == 3) v = -0.0f;
        c.f32.push_back(valid ? v : 0);
        break;
      }
      case PhysicalType::kDouble: {
        double v;
        std::memcpy(&v, &bits, 8);
        if (std::isnan(v)) v = 1.5;
        if (k == 1) v = std::numeric_limits<double>::quiet_NaN();
        if (k == 2) v = std::numeric_limits<double>::infinity();
        if (k == 3) v = -0.0;
        if (k == 4) v = std::numeric_limits<double>::denorm_min();
        c.f64.push_back(valid ? v : 0);
        break;
      }
      case PhysicalType::kByteArray: {
        std::string v;
        if (k < static_cast<int>(kSpecialStrings.size())) {
          v = kSpecialStrings[k];
          // STRING columns must hold valid UTF-8; raw BYTE_ARRAY may hold anything.
          if (s.logical == LogicalType::kString && v == "\xff\xfe") v = "\xc3\xbf\xf0\x9f\x98\x80";
        } else {
          v = "s";
          v += std::to_string(bits % 1000003);
          if (bits & 1) v += "ü";
        }
        c.bytes.push_back(valid ? v : std::string());
        break;
      }
    }
  }
  return c;
}

// Bitwise equality for floats (NaN == NaN, -0 != +0).
template <typename T>
bool SameBits(T a, T b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

inline void ExpectColumnsEqual(const ColumnSchema& s, const ColumnVector& want, size_t want_begin,
                               const ColumnVector& got, size_t n) {
  const bool optional = s.repetition == Repetition::kOptional;
  if (optional) {
    ASSERT_EQ(got.valid.size(), n) << s.name;
  } else {
    ASSERT_TRUE(got.valid.empty()) << s.name;
  }
  for (size_t i = 0; i < n; ++i) {
    const size_t w = want_begin + i;
    if (optional) {
      ASSERT_EQ(got.valid[i], want.valid[w]) << s.name << " row " << i;
      if (!want.valid[w]) continue;
    }
    switch (s.physical) {
      case PhysicalType::kBoolean:
        ASSERT_EQ(got.bools.at(i), want.bools[w]) << s.name << " " << i;
        break;
      case PhysicalType::kInt32:
        ASSERT_EQ(got.i32.at(i), want.i32[w]) << s.name << " " << i;
        break;
      case PhysicalType::kInt64:
        ASSERT_EQ(got.i64.at(i), want.i64[w]) << s.name << " " << i;
        break;
      case PhysicalType::kFloat:
        ASSERT_TRUE(SameBits(got.f32.at(i), want.f32[w])) << s.name << " " << i;
        break;
      case PhysicalType::kDouble:
        ASSERT_TRUE(SameBits(got.f64.at(i), want.f64[w])) << s.name << " " << i;
        break;
      case PhysicalType::kByteArray:
        ASSERT_EQ(got.bytes[i], want.bytes[w]) << s.name << " " << i;
        break;
    }
  }
}

inline std::string WriteToString(const Schema& schema, const std::vector<ColumnVector>& cols,
                                 size_t rows, const WriterOptions& options, size_t batch_rows = 0) {
  std::string out;
  auto writer = FileWriter::Open(schema, testing::NewStringSink(&out), options);
  EXPECT_TRUE(writer.ok()) << writer.status().ToString();
  if (!writer.ok()) return out;
  if (batch_rows == 0) {
    const Status s = (*writer)->WriteBatch(cols, rows);
    EXPECT_TRUE(s.ok()) << s.ToString();
  } else {
    // Split into batches to exercise buffering across WriteBatch calls.
    for (size_t start = 0; start < rows; start += batch_rows) {
      const size_t end = std::min(rows, start + batch_rows);
      std::vector<ColumnVector> batch(cols.size());
      for (size_t c = 0; c < cols.size(); ++c) {
        const ColumnVector& src = cols[c];
        ColumnVector& dst = batch[c];
        for (size_t r = start; r < end; ++r) {
          switch (schema.columns[c].physical) {
            case PhysicalType::kBoolean:
              dst.bools.push_back(src.bools[r]);
              break;
            case PhysicalType::kInt32:
              dst.i32.push_back(src.i32[r]);
              break;
            case PhysicalType::kInt64:
              dst.i64.push_back(src.i64[r]);
              break;
            case PhysicalType::kFloat:
              dst.f32.push_back(src.f32[r]);
              break;
            case PhysicalType::kDouble:
              dst.f64.push_back(src.f64[r]);
              break;
            case PhysicalType::kByteArray:
              dst.bytes.push_back(src.bytes[r]);
              break;
          }
          if (!src.valid.empty()) dst.valid.push_back(src.valid[r]);
        }
      }
      const Status s = (*writer)->WriteBatch(batch, end - start);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
  }
  const Status s = (*writer)->Close();
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// Reads every column of every row group and compares with `cols`.
inline void ExpectFileHolds(const std::string& file, const Schema& schema,
                            const std::vector<ColumnVector>& cols, size_t rows) {
  auto reader = FileReader::OpenBuffer(file, "mem.parquet");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const FileReader& r = **reader;
  ASSERT_EQ(r.num_rows(), static_cast<int64_t>(rows));
  ASSERT_EQ(r.schema().columns.size(), schema.columns.size());
  for (size_t c = 0; c < schema.columns.size(); ++c) {
    EXPECT_EQ(r.schema().columns[c].name, schema.columns[c].name);
    EXPECT_EQ(r.schema().columns[c].physical, schema.columns[c].physical);
    EXPECT_EQ(r.schema().columns[c].logical, schema.columns[c].logical);
    EXPECT_EQ(r.schema().columns[c].repetition, schema.columns[c].repetition);
  }
  size_t row = 0;
  for (int g = 0; g < r.num_row_groups(); ++g) {
    const auto n = static_cast<size_t>(r.row_group_num_rows(g));
    for (size_t c = 0; c < schema.columns.size(); ++c) {
      auto col = r.ReadColumn(g, static_cast<int>(c));
      ASSERT_TRUE(col.ok()) << col.status().ToString();
      ExpectColumnsEqual(schema.columns[c], cols[c], row, *col, n);
    }
    row += n;
  }
  EXPECT_EQ(row, rows);
}

}  // namespace wv::testing

#endif  // WV_TESTS_UNIT_PARQUET_TEST_UTIL_H_
