// FileReader::ReadDictionaryColumn: a dictionary-encoded chunk read as
// dictionary + indices must denote exactly the values ReadColumn decodes; a
// chunk with non-dictionary pages must be reported as such.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "parquet/reader.h"
#include "parquet/writer.h"
#include "parquet_test_util.h"

namespace wv::parquet {
namespace {

using testing::RandomColumn;
using testing::WriteToString;

// Checks that every row of the dictionary view equals ReadColumn's row.
void ExpectSameAsReadColumn(const FileReader& r, int g, int c) {
  auto plain = r.ReadColumn(g, c);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  auto dict = r.ReadDictionaryColumn(g, c);
  ASSERT_TRUE(dict.ok()) << dict.status().ToString();
  ASSERT_TRUE(dict->has_value()) << "chunk " << g << "/" << c << " not read as dictionary";
  const DictionaryColumn& d = **dict;
  const ColumnSchema& s = r.schema().columns[c];
  const size_t rows = static_cast<size_t>(r.row_group_num_rows(g));
  ASSERT_EQ(d.size(), rows);
  ASSERT_EQ(d.valid, plain->valid);
  for (size_t i = 0; i < rows; ++i) {
    if (plain->is_null(i)) {
      EXPECT_EQ(d.indices[i], 0u);
      continue;
    }
    const uint32_t k = d.indices[i];
    switch (s.physical) {
      case PhysicalType::kByteArray:
        ASSERT_LT(k, d.dictionary.bytes.size());
        ASSERT_EQ(d.dictionary.bytes[k], plain->bytes[i]) << "row " << i;
        break;
      case PhysicalType::kInt64:
        ASSERT_LT(k, d.dictionary.i64.size());
        ASSERT_EQ(d.dictionary.i64[k], plain->i64[i]) << "row " << i;
        break;
      default:
        FAIL() << "type not covered by this test";
    }
  }
}

TEST(ParquetDictionaryRead, IndicesDenoteTheSameValuesAsReadColumn) {
  Schema schema;
  schema.columns.push_back(
      {"lang", PhysicalType::kByteArray, LogicalType::kString, Repetition::kRequired});
  schema.columns.push_back(
      {"user", PhysicalType::kByteArray, LogicalType::kString, Repetition::kOptional});
  schema.columns.push_back({"n", PhysicalType::kInt64, LogicalType::kNone, Repetition::kOptional});
  std::mt19937_64 rng(42);
  const size_t rows = 5000;
  std::vector<ColumnVector> cols = {RandomColumn(schema.columns[0], rows, rng, 0, 12),
                                    RandomColumn(schema.columns[1], rows, rng, 0.2, 300),
                                    RandomColumn(schema.columns[2], rows, rng, 0.5, 40)};
  WriterOptions options;
  options.page_bytes = 512;  // many pages per chunk
  options.row_group_rows = 1800;
  for (Compression codec : {Compression::kNone, Compression::kZstd}) {
    options.compression = codec;
    const std::string file = WriteToString(schema, cols, rows, options);
    auto reader = FileReader::OpenBuffer(file, "dict.parquet");
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    ASSERT_EQ((*reader)->num_row_groups(), 3);
    for (int g = 0; g < (*reader)->num_row_groups(); ++g) {
      for (int c = 0; c < 3; ++c) ExpectSameAsReadColumn(**reader, g, c);
    }
  }
}

TEST(ParquetDictionaryRead, AllNullOptionalColumn) {
  Schema schema;
  schema.columns.push_back(
      {"s", PhysicalType::kByteArray, LogicalType::kString, Repetition::kOptional});
  std::vector<ColumnVector> cols(1);
  for (int i = 0; i < 100; ++i) {
    cols[0].bytes.push_back("");
    cols[0].valid.push_back(0);
  }
  const std::string file = WriteToString(schema, cols, 100, WriterOptions{});
  auto reader = FileReader::OpenBuffer(file, "nulls.parquet");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto dict = (*reader)->ReadDictionaryColumn(0, 0);
  ASSERT_TRUE(dict.ok()) << dict.status().ToString();
  ASSERT_TRUE(dict->has_value());
  EXPECT_EQ((*dict)->size(), 100u);
  EXPECT_EQ((*dict)->valid, std::vector<uint8_t>(100, 0));
}

TEST(ParquetDictionaryRead, PlainChunksAreReportedNotDictionaryEncoded) {
  Schema schema;
  schema.columns.push_back(
      {"s", PhysicalType::kByteArray, LogicalType::kString, Repetition::kRequired});
  std::mt19937_64 rng(7);
  const size_t rows = 4000;
  std::vector<ColumnVector> cols = {RandomColumn(schema.columns[0], rows, rng, 0, 100000)};
  // No dictionary at all.
  WriterOptions plain;
  plain.dictionary = false;
  // A dictionary that overflows: the writer falls back to PLAIN pages.
  WriterOptions fallback;
  fallback.dictionary_page_bytes = 256;
  fallback.page_bytes = 256;
  for (const WriterOptions& options : {plain, fallback}) {
    const std::string file = WriteToString(schema, cols, rows, options);
    auto reader = FileReader::OpenBuffer(file, "plain.parquet");
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    auto dict = (*reader)->ReadDictionaryColumn(0, 0);
    ASSERT_TRUE(dict.ok()) << dict.status().ToString();
    EXPECT_FALSE(dict->has_value());
    // ReadColumn still reads it.
    testing::ExpectFileHolds(file, schema, cols, rows);
  }
}

}  // namespace
}  // namespace wv::parquet
