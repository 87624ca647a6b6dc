// Unit tests of the Parquet building blocks against the format's own
// examples and invariants: Thrift compact protocol, RLE/bit-packed hybrid,
// DELTA_BINARY_PACKED, statistics sort orders, footer metadata round trips.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <string>

#include "parquet/delta_encoding.h"
#include "parquet/dictionary_encoding.h"
#include "parquet/metadata.h"
#include "parquet/reader.h"
#include "parquet/rle_bit_packed.h"
#include "parquet/statistics.h"
#include "parquet/thrift_compact.h"

namespace wv::parquet {
namespace {

using thrift::CompactReader;
using thrift::CompactWriter;
using thrift::WireType;

TEST(ParquetThrift, FieldHeadersUseDeltasAndLongForm) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldI32(1, 5);       // delta 1: 0x15, zigzag(5) = 10
  w.FieldI32(17, -1);     // delta 16 > 15: long form 0x05, zigzag(17) = 34, zigzag(-1) = 1
  w.FieldBool(18, true);  // delta 1, type true: 0x11
  w.EndStruct();
  EXPECT_EQ(out, std::string("\x15\x0a\x05\x22\x01\x11\x00", 7));

  CompactReader r(out, "t");
  ASSERT_TRUE(r.BeginStruct().ok());
  int16_t id = 0;
  WireType type = WireType::kStop;
  bool more = false;
  int32_t v = 0;
  ASSERT_TRUE(r.ReadFieldHeader(&id, &type, &more).ok());
  EXPECT_EQ(id, 1);
  ASSERT_TRUE(r.ReadI32(type, &v).ok());
  EXPECT_EQ(v, 5);
  ASSERT_TRUE(r.ReadFieldHeader(&id, &type, &more).ok());
  EXPECT_EQ(id, 17);
  ASSERT_TRUE(r.ReadI32(type, &v).ok());
  EXPECT_EQ(v, -1);
  ASSERT_TRUE(r.ReadFieldHeader(&id, &type, &more).ok());
  EXPECT_EQ(id, 18);
  bool b = false;
  ASSERT_TRUE(r.ReadBool(type, &b).ok());
  EXPECT_TRUE(b);
  ASSERT_TRUE(r.ReadFieldHeader(&id, &type, &more).ok());
  EXPECT_FALSE(more);
}

TEST(ParquetThrift, ExtremeIntegersAndLongLists) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldI64(1, std::numeric_limits<int64_t>::min());
  w.FieldI64(2, std::numeric_limits<int64_t>::max());
  w.FieldListBegin(3, WireType::kI32, 20);  // >= 15 elements: size as a varint
  for (int i = 0; i < 20; ++i) w.ElemI32(-i);
  w.EndStruct();
  CompactReader r(out, "t");
  ASSERT_TRUE(r.BeginStruct().ok());
  int16_t id = 0;
  WireType type = WireType::kStop;
  bool more = false;
  int64_t v = 0;
  ASSERT_TRUE(r.ReadFieldHeader(&id, &type, &more).ok());
  ASSERT_TRUE(r.ReadI64(type, &v).ok());
  EXPECT_EQ(v, std::numeric_limits<int64_t>::min());
  ASSERT_TRUE(r.ReadFieldHeader(&id, &type, &more).ok());
  ASSERT_TRUE(r.ReadI64(type, &v).ok());
  EXPECT_EQ(v, std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(r.ReadFieldHeader(&id, &type, &more).ok());
  WireType elem = WireType::kStop;
  uint32_t n = 0;
  ASSERT_TRUE(r.ReadListHeader(&elem, &n).ok());
  EXPECT_EQ(n, 20u);
  for (int i = 0; i < 20; ++i) {
    int32_t x = 0;
    ASSERT_TRUE(r.ReadI32(elem, &x).ok());
    EXPECT_EQ(x, -i);
  }
}

TEST(ParquetThrift, UnknownFieldsOfEveryTypeAreSkipped) {
  // A FileMetaData with fields from a "newer writer" between the known ones.
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldI32(1, 2);
  w.FieldListBegin(2, WireType::kStruct, 1);
  w.ElemStructBegin();
  w.FieldBinary(4, "root");
  w.FieldI32(5, 0);
  w.FieldBinary(40, "future field inside a schema element");
  w.EndStruct();
  w.FieldI64(3, 0);
  w.FieldListBegin(4, WireType::kStruct, 0);
  w.FieldBinary(6, "writer");
  w.FieldByte(20, 7);
  w.FieldI16(21, -300);
  w.FieldListBegin(22, WireType::kBinary, 2);
  w.ElemBinary("x");
  w.ElemBinary("y");
  w.FieldStructBegin(23);
  w.FieldStructBegin(1);
  w.FieldBool(2, false);
  w.EndStruct();
  w.FieldListBegin(3, WireType::kBoolTrue, 3);
  out += "\x01\x02\x01";
  w.EndStruct();
  w.FieldI64(200, 123456789);
  w.EndStruct();
  format::FileMetaData meta;
  const Status s = format::Parse(out, "t", &meta);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(meta.version, 2);
  EXPECT_EQ(meta.created_by, "writer");
  ASSERT_EQ(meta.schema.size(), 1u);
  EXPECT_EQ(meta.schema[0].name, "root");
}

TEST(ParquetMetadata, FileMetaDataRoundTrips) {
  format::FileMetaData m;
  m.version = 2;
  m.num_rows = 1234567890123;
  m.created_by = "me";
  m.key_value_metadata = {{"k", std::string("v")}, {"novalue", std::nullopt}};
  m.schema.resize(2);
  m.schema[0].name = "schema";
  m.schema[0].num_children = 1;
  m.schema[1].name = "ts";
  m.schema[1].type = format::Type::kInt64;
  m.schema[1].repetition_type = format::Repetition::kOptional;
  m.schema[1].converted_type = 10;
  format::LogicalType lt;
  lt.kind = format::LogicalType::Kind::kTimestamp;
  lt.is_adjusted_to_utc = true;
  lt.unit = format::LogicalType::Unit::kMicros;
  m.schema[1].logical_type = lt;
  format::RowGroup g;
  g.num_rows = m.num_rows;
  g.total_byte_size = 99;
  g.ordinal = 0;
  format::ColumnChunk cc;
  cc.file_offset = 4;
  auto& md = cc.meta_data.emplace();
  md.type = format::Type::kInt64;
  md.encodings = {0, 3, 8};
  md.path_in_schema = {"ts"};
  md.codec = 6;
  md.num_values = m.num_rows;
  md.total_compressed_size = 10;
  md.total_uncompressed_size = 20;
  md.data_page_offset = 30;
  md.dictionary_page_offset = 4;
  format::Statistics st;
  st.null_count = 3;
  st.min_value = std::string("\x01\x00\x00\x00\x00\x00\x00\x00", 8);
  st.max_value = std::string("\x02\x00\x00\x00\x00\x00\x00\x00", 8);
  st.is_max_value_exact = true;
  md.statistics = st;
  md.encoding_stats = {{format::PageType::kDataPage, format::Encoding::kRleDictionary, 7}};
  g.columns.push_back(cc);
  m.row_groups.push_back(g);
  m.column_orders_type_defined = {true};
  std::string bytes;
  format::Serialize(m, &bytes);
  format::FileMetaData back;
  ASSERT_TRUE(format::Parse(bytes, "t", &back).ok());
  EXPECT_EQ(back.num_rows, m.num_rows);
  EXPECT_EQ(back.created_by, "me");
  ASSERT_EQ(back.key_value_metadata.size(), 2u);
  EXPECT_FALSE(back.key_value_metadata[1].value.has_value());
  ASSERT_TRUE(back.schema[1].logical_type.has_value());
  EXPECT_EQ(back.schema[1].logical_type->kind, format::LogicalType::Kind::kTimestamp);
  EXPECT_TRUE(back.schema[1].logical_type->is_adjusted_to_utc);
  EXPECT_EQ(back.schema[1].logical_type->unit, format::LogicalType::Unit::kMicros);
  EXPECT_EQ(back.schema[1].converted_type, 10);
  const auto& bmd = *back.row_groups[0].columns[0].meta_data;
  EXPECT_EQ(bmd.encodings, md.encodings);
  EXPECT_EQ(bmd.dictionary_page_offset, 4);
  EXPECT_EQ(bmd.statistics->min_value, st.min_value);
  EXPECT_EQ(bmd.statistics->null_count, 3);
  EXPECT_EQ(bmd.statistics->is_max_value_exact, true);
  EXPECT_EQ(bmd.encoding_stats.size(), 1u);
  EXPECT_EQ(back.column_orders_type_defined, std::vector<bool>{true});
  EXPECT_EQ(back.row_groups[0].ordinal, 0);
}

TEST(ParquetRle, SpecExampleBitPacking) {
  // Encodings.md: 0..7 bit-packed with bit width 3 are 10001000 11000110 11111010.
  const uint32_t values[] = {0, 1, 2, 3, 4, 5, 6, 7};
  std::string out;
  RleBitPackedEncode(values, 8, 3, &out);
  EXPECT_EQ(out, std::string("\x03\x88\xc6\xfa", 4));
}

TEST(ParquetRle, RunsBecomeRleAndRoundTripAtEveryWidth) {
  std::mt19937_64 rng(5);
  for (int width = 0; width <= 32; ++width) {
    const uint64_t mask = width == 32 ? 0xffffffffu : ((uint64_t{1} << width) - 1);
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<uint32_t> v;
      const size_t n = rng() % 3000;
      while (v.size() < n) {
        const uint32_t x = static_cast<uint32_t>(rng() & mask);
        const size_t run = rng() % 3 == 0 ? 1 + rng() % 40 : 1;
        for (size_t k = 0; k < run && v.size() < n; ++k) v.push_back(x);
      }
      std::string out;
      RleBitPackedEncode(v.data(), v.size(), width, &out);
      std::vector<uint32_t> back(v.size());
      RleBitPackedDecoder dec(out, width, "t");
      ASSERT_TRUE(dec.Decode(back.data(), back.size()).ok()) << width;
      ASSERT_EQ(back, v) << "width " << width;
    }
  }
  // A long run costs a header and one value, not one bit per value.
  std::vector<uint32_t> ones(100000, 1);
  std::string out;
  RleBitPackedEncode(ones.data(), ones.size(), 1, &out);
  EXPECT_LE(out.size(), 5u);
}

TEST(ParquetDelta, SpecExamples) {
  // Encodings.md example 1: 1 2 3 4 5.
  const std::string ex1("\x80\x01\x04\x05\x02\x02\x00\x00\x00\x00", 10);
  std::vector<int64_t> out;
  size_t used = 0;
  ASSERT_TRUE(DecodeDeltaBinaryPacked(ex1, 5, "t", &out, &used).ok());
  EXPECT_EQ(out, (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(used, ex1.size());
  // Example 2: 7 5 3 1 2 3 4 5 (min delta -2, one miniblock of width 2).
  const std::string ex2("\x80\x01\x04\x08\x0e\x03\x02\x00\x00\x00\xc0\x3f\x00\x00\x00\x00\x00\x00",
                        18);
  out.clear();
  ASSERT_TRUE(DecodeDeltaBinaryPacked(ex2, 8, "t", &out, &used).ok());
  EXPECT_EQ(out, (std::vector<int64_t>{7, 5, 3, 1, 2, 3, 4, 5}));
  // Wrong count and truncation are errors.
  EXPECT_FALSE(DecodeDeltaBinaryPacked(ex2, 9, "t", &out, &used).ok());
  EXPECT_FALSE(DecodeDeltaBinaryPacked(ex2.substr(0, 11), 8, "t", &out, &used).ok());
}

ColumnSchema Col(PhysicalType p) { return {"c", p, LogicalType::kNone, Repetition::kOptional}; }

template <typename T>
T Decode(const std::optional<std::string>& bytes) {
  T v{};
  EXPECT_TRUE(bytes.has_value());
  if (bytes) std::memcpy(&v, bytes->data(), sizeof(T));
  return v;
}

TEST(ParquetStatistics, DoublesIgnoreNaNAndWidenZero) {
  ColumnVector c;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  c.f64 = {nan, 0.0, 5.0, -0.0, nan, 0.0};
  c.valid = {1, 1, 0, 1, 1, 1};  // 5.0 is null
  format::Statistics s = ComputeStatistics(Col(PhysicalType::kDouble), c, 0, c.f64.size());
  EXPECT_EQ(s.null_count, 1);
  EXPECT_EQ(s.nan_count, 2);
  const double mn = Decode<double>(s.min_value), mx = Decode<double>(s.max_value);
  EXPECT_EQ(mn, 0.0);
  EXPECT_TRUE(std::signbit(mn));   // min zero is written as -0.0
  EXPECT_FALSE(std::signbit(mx));  // max zero as +0.0
  // All NaN: no bounds at all.
  c.f64 = {nan, nan};
  c.valid = {1, 1};
  s = ComputeStatistics(Col(PhysicalType::kDouble), c, 0, 2);
  EXPECT_FALSE(s.min_value.has_value());
  EXPECT_EQ(s.nan_count, 2);
}

TEST(ParquetStatistics, StringsUseUnsignedByteOrder) {
  ColumnVector c;
  for (const char* v : {"b", "\xc3\xa9", "a", "", "\x7f"}) c.bytes.push_back(v);
  c.valid.assign(5, 1);
  const format::Statistics s = ComputeStatistics(Col(PhysicalType::kByteArray), c, 0, 5);
  EXPECT_EQ(s.min_value, "");
  EXPECT_EQ(s.max_value, "\xc3\xa9");  // 0xc3 > 0x7f when bytes are unsigned
  EXPECT_FALSE(s.min.has_value());     // deprecated signed fields never for strings
}

TEST(ParquetStatistics, IntegersAreSignedAndAllNullHasNoBounds) {
  ColumnVector c;
  c.i64 = {5, std::numeric_limits<int64_t>::min(), -1, std::numeric_limits<int64_t>::max()};
  c.valid = {1, 1, 1, 0};
  format::Statistics s = ComputeStatistics(Col(PhysicalType::kInt64), c, 0, 4);
  EXPECT_EQ(Decode<int64_t>(s.min_value), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Decode<int64_t>(s.max_value), 5);
  EXPECT_EQ(s.min, s.min_value);  // signed order is the type order: safe for old readers
  c.valid = {0, 0, 0, 0};
  s = ComputeStatistics(Col(PhysicalType::kInt64), c, 0, 4);
  EXPECT_FALSE(s.min_value.has_value());
  EXPECT_EQ(s.null_count, 4);
  auto decoded = DecodeStatistics(Col(PhysicalType::kInt64), s, "t");
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(decoded->has_min_max);
  EXPECT_EQ(decoded->null_count, 4);
}

TEST(ParquetDictionary, FallsBackExactlyAtTheLimit) {
  ColumnVector c;
  for (int i = 0; i < 10; ++i) c.bytes.push_back(std::string(6, static_cast<char>('a' + i)));
  Dictionary d;
  // Each entry costs 4 + 6 bytes in the PLAIN dictionary page.
  EXPECT_TRUE(BuildDictionary(PhysicalType::kByteArray, c, 0, 10, 100, &d));
  EXPECT_EQ(d.num_values, 10u);
  Dictionary d2;
  EXPECT_FALSE(BuildDictionary(PhysicalType::kByteArray, c, 0, 10, 99, &d2));
  // NaN and -0.0 keep their own entries (keyed by bits).
  ColumnVector f;
  f.f64 = {0.0, -0.0, std::nan(""), 0.0};
  Dictionary d3;
  ASSERT_TRUE(BuildDictionary(PhysicalType::kDouble, f, 0, 4, 1000, &d3));
  EXPECT_EQ(d3.num_values, 3u);
  EXPECT_EQ(d3.indices, (std::vector<uint32_t>{0, 1, 2, 0}));
}

// The dictionary a reader would rebuild: distinct values in first-seen
// order and each non-null row's position among them (a std::map, not the
// writer's tables).
template <typename T>
void ExpectFirstSeenDictionary(const std::vector<T>& v, const std::vector<uint8_t>& valid,
                               const std::vector<T>& dict, const std::vector<uint32_t>& indices) {
  std::map<T, uint32_t> seen;
  std::vector<T> want_dict;
  std::vector<uint32_t> want_indices;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!valid.empty() && !valid[i]) continue;
    auto [it, inserted] = seen.emplace(v[i], static_cast<uint32_t>(want_dict.size()));
    if (inserted) want_dict.push_back(v[i]);
    want_indices.push_back(it->second);
  }
  EXPECT_EQ(dict, want_dict);
  EXPECT_EQ(indices, want_indices);
}

TEST(ParquetDictionary, SmallSpanIntegersKeepFirstSeenOrderWithNullsAndNegatives) {
  std::mt19937_64 rng(7);
  ColumnVector c;
  for (int i = 0; i < 50000; ++i) {
    c.i64.push_back(static_cast<int64_t>(rng() % 800) - 400);
    c.valid.push_back(rng() % 5 != 0);
  }
  Dictionary d;
  ASSERT_TRUE(BuildDictionary(PhysicalType::kInt64, c, 0, c.i64.size(), 1 << 20, &d));
  ExpectFirstSeenDictionary(c.i64, c.valid, d.values.i64, d.indices);
  // int32 at the extremes of its range: a span of 2^32 takes the hashed path.
  ColumnVector w;
  w.i32 = {std::numeric_limits<int32_t>::max(), 0, std::numeric_limits<int32_t>::min(), 0, 7};
  Dictionary dw;
  ASSERT_TRUE(BuildDictionary(PhysicalType::kInt32, w, 0, w.i32.size(), 1 << 20, &dw));
  ExpectFirstSeenDictionary(w.i32, w.valid, dw.values.i32, dw.indices);
}

TEST(ParquetDictionary, MostlyDistinctChunksGiveUpBeforeTheSizeLimit) {
  // All distinct, far under the size limit: PLAIN, decided from the first values.
  ColumnVector unique;
  for (int64_t i = 0; i < 20000; ++i) unique.i64.push_back(i * 1000003);
  Dictionary d;
  EXPECT_FALSE(BuildDictionary(PhysicalType::kInt64, unique, 0, 20000, 1 << 30, &d));
  ColumnVector text;
  for (int i = 0; i < 20000; ++i) text.bytes.push_back(std::to_string(i * 7919));
  Dictionary dt;
  EXPECT_FALSE(BuildDictionary(PhysicalType::kByteArray, text, 0, 20000, 1 << 30, &dt));
  // Half distinct: fixed-width values give up past a quarter distinct, byte
  // arrays keep their dictionary (in first-seen order) up to three quarters.
  ColumnVector half;
  for (int64_t i = 0; i < 20000; ++i) half.i64.push_back((i / 2) * 1000003);
  Dictionary dh;
  EXPECT_FALSE(BuildDictionary(PhysicalType::kInt64, half, 0, 20000, 1 << 30, &dh));
  ColumnVector half_text;
  for (int i = 0; i < 20000; ++i) half_text.bytes.push_back(std::to_string((i / 2) * 7919));
  Dictionary dht;
  ASSERT_TRUE(BuildDictionary(PhysicalType::kByteArray, half_text, 0, 20000, 1 << 30, &dht));
  EXPECT_EQ(dht.num_values, 10000u);
  // A fifth distinct (hashed and direct spans): kept, in first-seen order.
  ColumnVector fifth;
  for (int64_t i = 0; i < 20000; ++i) fifth.i64.push_back((i / 5) * 1000003);
  Dictionary df;
  ASSERT_TRUE(BuildDictionary(PhysicalType::kInt64, fifth, 0, 20000, 1 << 30, &df));
  ExpectFirstSeenDictionary(fifth.i64, fifth.valid, df.values.i64, df.indices);
  ColumnVector fifth_direct;
  for (int64_t i = 0; i < 20000; ++i) fifth_direct.i64.push_back(i / 5);
  Dictionary dfd;
  ASSERT_TRUE(BuildDictionary(PhysicalType::kInt64, fifth_direct, 0, 20000, 1 << 30, &dfd));
  ExpectFirstSeenDictionary(fifth_direct.i64, fifth_direct.valid, dfd.values.i64, dfd.indices);
  ColumnVector third_direct;
  for (int64_t i = 0; i < 20000; ++i) third_direct.i64.push_back(i / 3);
  Dictionary dtd;
  EXPECT_FALSE(BuildDictionary(PhysicalType::kInt64, third_direct, 0, 20000, 1 << 30, &dtd));
  // Fewer values than the first checkpoint: a dictionary, however distinct.
  Dictionary ds;
  EXPECT_TRUE(BuildDictionary(PhysicalType::kInt64, unique, 0, 4000, 1 << 30, &ds));
}

}  // namespace
}  // namespace wv::parquet
