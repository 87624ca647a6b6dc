// Writer -> reader round trips over random schemas, values and options.
#include <gtest/gtest.h>

#include <random>

#include "parquet/reader.h"
#include "parquet/writer.h"
#include "parquet_test_util.h"

namespace wv::parquet {
namespace {

using testing::ExpectFileHolds;
using testing::RandomColumn;
using testing::WriteToString;

const std::vector<std::pair<PhysicalType, LogicalType>> kTypes = {
    {PhysicalType::kBoolean, LogicalType::kNone},
    {PhysicalType::kInt32, LogicalType::kNone},
    {PhysicalType::kInt32, LogicalType::kInt8},
    {PhysicalType::kInt32, LogicalType::kInt16},
    {PhysicalType::kInt32, LogicalType::kInt32},
    {PhysicalType::kInt32, LogicalType::kDate},
    {PhysicalType::kInt64, LogicalType::kNone},
    {PhysicalType::kInt64, LogicalType::kInt64},
    {PhysicalType::kInt64, LogicalType::kTimestampMicrosUtc},
    {PhysicalType::kFloat, LogicalType::kNone},
    {PhysicalType::kDouble, LogicalType::kNone},
    {PhysicalType::kByteArray, LogicalType::kNone},
    {PhysicalType::kByteArray, LogicalType::kString},
};

Schema AllTypesSchema() {
  Schema schema;
  int i = 0;
  for (auto [p, l] : kTypes) {
    for (Repetition rep : {Repetition::kRequired, Repetition::kOptional}) {
      std::string name = "c";
      name += std::to_string(i++);
      schema.columns.push_back({name, p, l, rep});
    }
  }
  return schema;
}

TEST(ParquetRoundTrip, AllTypesPlainUncompressed) {
  std::mt19937_64 rng(1);
  const Schema schema = AllTypesSchema();
  const size_t rows = 1000;
  std::vector<ColumnVector> cols;
  for (const ColumnSchema& s : schema.columns) {
    cols.push_back(RandomColumn(s, rows, rng, 0.2, 1000));
  }
  WriterOptions options;
  options.compression = Compression::kNone;
  options.dictionary = false;
  ExpectFileHolds(WriteToString(schema, cols, rows, options), schema, cols, rows);
}

TEST(ParquetRoundTrip, RandomSchemasOptionsAndValues) {
  std::mt19937_64 rng(42);
  for (int iter = 0; iter < 60; ++iter) {
    Schema schema;
    const int ncols = 1 + static_cast<int>(rng() % 6);
    for (int c = 0; c < ncols; ++c) {
      auto [p, l] = kTypes[rng() % kTypes.size()];
      std::string name = "col";
      name += std::to_string(c);
      schema.columns.push_back(
          {name, p, l, rng() % 2 ? Repetition::kOptional : Repetition::kRequired});
    }
    const size_t sizes[] = {0, 1, 2, 7, 8, 9, 100, 513, 5000};
    const size_t rows = sizes[rng() % std::size(sizes)];
    const double null_ratio = (rng() % 4) / 3.0;  // 0, 1/3, 2/3, all null
    const int distinct = 1 + static_cast<int>(rng() % 3000);
    std::vector<ColumnVector> cols;
    for (const ColumnSchema& s : schema.columns) {
      cols.push_back(RandomColumn(s, rows, rng, null_ratio, distinct));
    }
    WriterOptions options;
    const Compression codecs[] = {Compression::kNone, Compression::kZstd, Compression::kSnappy,
                                  Compression::kGzip};
    options.compression = codecs[rng() % 4];
    options.dictionary = rng() % 3 != 0;
    options.dictionary_page_bytes = rng() % 2 ? 1 << 20 : 200;  // small: forces fallback
    options.page_bytes = rng() % 2 ? 1 << 20 : 64 + static_cast<int64_t>(rng() % 500);
    options.row_group_rows = rng() % 2 ? 1 << 20 : 1 + static_cast<int64_t>(rng() % 300);
    options.row_group_bytes = rng() % 4 ? 128ll << 20 : 2000;
    options.encode_threads = 1 + static_cast<int>(rng() % 2);
    const size_t batch = rng() % 2 ? 0 : 1 + rng() % 200;
    SCOPED_TRACE("iteration " + std::to_string(iter));
    ExpectFileHolds(WriteToString(schema, cols, rows, options, batch), schema, cols, rows);
  }
}

TEST(ParquetRoundTrip, EmptyTableHasSchemaAndNoRows) {
  Schema schema;
  schema.columns.push_back({"a", PhysicalType::kInt64, LogicalType::kNone, Repetition::kRequired});
  schema.columns.push_back(
      {"s", PhysicalType::kByteArray, LogicalType::kString, Repetition::kOptional});
  std::vector<ColumnVector> cols(2);
  const std::string file = WriteToString(schema, cols, 0, WriterOptions{});
  auto reader = FileReader::OpenBuffer(file, "empty");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->num_rows(), 0);
  EXPECT_EQ((*reader)->num_row_groups(), 0);
  EXPECT_EQ((*reader)->schema().columns.size(), 2u);
  EXPECT_EQ((*reader)->ColumnIndex("s"), 1);
  EXPECT_EQ((*reader)->ColumnIndex("nope"), -1);
}

TEST(ParquetRoundTrip, RowGroupsCloseByRowsAndBytes) {
  Schema schema;
  schema.columns.push_back({"a", PhysicalType::kInt64, LogicalType::kNone, Repetition::kRequired});
  std::vector<ColumnVector> cols(1);
  for (int64_t i = 0; i < 10000; ++i) cols[0].i64.push_back(i);
  WriterOptions options;
  options.row_group_rows = 3000;
  {
    auto reader = FileReader::OpenBuffer(WriteToString(schema, cols, 10000, options, 777), "x");
    ASSERT_TRUE(reader.ok());
    ASSERT_EQ((*reader)->num_row_groups(), 4);
    EXPECT_EQ((*reader)->row_group_num_rows(0), 3000);
    EXPECT_EQ((*reader)->row_group_num_rows(3), 1000);
  }
  options.row_group_rows = 1 << 20;
  options.row_group_bytes = 8 * 1000;  // 1000 int64 values
  {
    auto reader = FileReader::OpenBuffer(WriteToString(schema, cols, 10000, options), "x");
    ASSERT_TRUE(reader.ok());
    EXPECT_EQ((*reader)->num_row_groups(), 10);
  }
}

TEST(ParquetRoundTrip, CreatedByAndKeyValueMetadata) {
  Schema schema;
  schema.columns.push_back({"a", PhysicalType::kInt32, LogicalType::kNone, Repetition::kRequired});
  std::vector<ColumnVector> cols(1);
  cols[0].i32 = {1, 2, 3};
  WriterOptions options;
  options.key_value_metadata = {{"wordviews.run", "abc"}, {"empty", ""}};
  auto reader = FileReader::OpenBuffer(WriteToString(schema, cols, 3, options), "x");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->created_by(), std::string("wordviews version ") + WV_VERSION);
  EXPECT_EQ((*reader)->key_value("wordviews.run"), "abc");
  EXPECT_EQ((*reader)->key_value("empty"), "");
  EXPECT_FALSE((*reader)->key_value("missing").has_value());
}

}  // namespace
}  // namespace wv::parquet
