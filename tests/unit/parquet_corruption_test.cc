// Corrupt, truncated and lying Parquet files: every case must be a clear
// InputError, never a crash, an out-of-bounds read or a huge allocation (this
// suite also runs under ASan/UBSan via `make asan-test`).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <string>

#include "parquet/metadata.h"
#include "parquet/reader.h"
#include "parquet/rle_bit_packed.h"
#include "parquet/thrift_compact.h"
#include "parquet/writer.h"
#include "parquet_test_util.h"

namespace wv::parquet {
namespace {

using testing::RandomColumn;
using testing::WriteToString;

// Opens `file` and reads every column and statistic; returns the first error.
Status ReadEverything(const std::string& file, const ReaderLimits& limits = {}) {
  auto reader = FileReader::OpenBuffer(file, "bad.parquet", limits);
  if (!reader.ok()) return reader.status();
  for (int g = 0; g < (*reader)->num_row_groups(); ++g) {
    for (size_t c = 0; c < (*reader)->schema().columns.size(); ++c) {
      auto stats = (*reader)->Statistics(g, static_cast<int>(c));
      if (!stats.ok()) return stats.status();
      auto col = (*reader)->ReadColumn(g, static_cast<int>(c));
      if (!col.ok()) return col.status();
    }
  }
  return OkStatus();
}

void ExpectInputError(const std::string& file, std::string_view needle,
                      const ReaderLimits& limits = {}) {
  const Status s = ReadEverything(file, limits);
  ASSERT_FALSE(s.ok()) << "expected an error mentioning '" << needle << "'";
  EXPECT_EQ(s.kind(), ErrorKind::kInput) << s.ToString();
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("bad.parquet"), std::string::npos) << s.message();
}

Schema OneColumn(PhysicalType p, Repetition r = Repetition::kRequired) {
  Schema schema;
  schema.columns.push_back({"v", p, LogicalType::kNone, r});
  return schema;
}

std::string SmallFile(bool dictionary, Compression codec = Compression::kNone,
                      bool checksums = true) {
  Schema schema = OneColumn(PhysicalType::kInt64, Repetition::kOptional);
  std::vector<ColumnVector> cols(1);
  for (int i = 0; i < 300; ++i) {
    cols[0].i64.push_back(i % 10);
    cols[0].valid.push_back(i % 7 != 0);
  }
  WriterOptions options;
  options.dictionary = dictionary;
  options.compression = codec;
  options.page_checksums = checksums;
  options.page_bytes = 200;
  return WriteToString(schema, cols, 300, options);
}

// Replaces the footer of `file` with a modified copy of its metadata.
std::string RewriteFooter(const std::string& file,
                          const std::function<void(format::FileMetaData&)>& edit) {
  uint32_t len;
  std::memcpy(&len, file.data() + file.size() - 8, 4);
  format::FileMetaData meta;
  EXPECT_TRUE(
      format::Parse(std::string_view(file).substr(file.size() - 8 - len, len), "t", &meta).ok());
  edit(meta);
  std::string out = file.substr(0, file.size() - 8 - len);
  std::string footer;
  format::Serialize(meta, &footer);
  const auto new_len = static_cast<uint32_t>(footer.size());
  out += footer;
  out.append(reinterpret_cast<const char*>(&new_len), 4);
  out += "PAR1";
  return out;
}

// A file with one INT64 column chunk made of hand-built pages.
std::string BuildFile(const std::vector<std::pair<format::PageHeader, std::string>>& pages,
                      int64_t num_rows, int32_t codec = 0, bool optional = false) {
  std::string file = "PAR1";
  const int64_t start = 4;
  int64_t data_page_offset = -1;
  for (const auto& [h, body] : pages) {
    if (data_page_offset < 0 && h.type != 2) data_page_offset = static_cast<int64_t>(file.size());
    format::Serialize(h, &file);
    file += body;
  }
  format::FileMetaData meta;
  meta.num_rows = num_rows;
  meta.schema.resize(2);
  meta.schema[0].name = "schema";
  meta.schema[0].num_children = 1;
  meta.schema[1].name = "v";
  meta.schema[1].type = format::Type::kInt64;
  meta.schema[1].repetition_type =
      optional ? format::Repetition::kOptional : format::Repetition::kRequired;
  format::RowGroup rg;
  rg.num_rows = num_rows;
  format::ColumnChunk cc;
  cc.file_offset = start;
  format::ColumnMetaData& m = cc.meta_data.emplace();
  m.type = format::Type::kInt64;
  m.path_in_schema = {"v"};
  m.codec = codec;
  m.num_values = num_rows;
  m.total_compressed_size = static_cast<int64_t>(file.size()) - start;
  m.total_uncompressed_size = m.total_compressed_size;
  m.data_page_offset = data_page_offset < 0 ? start : data_page_offset;
  if (!pages.empty() && pages[0].first.type == 2) m.dictionary_page_offset = start;
  rg.columns.push_back(cc);
  meta.row_groups.push_back(rg);
  std::string footer;
  format::Serialize(meta, &footer);
  const auto len = static_cast<uint32_t>(footer.size());
  file += footer;
  file.append(reinterpret_cast<const char*>(&len), 4);
  file += "PAR1";
  return file;
}

format::PageHeader DictHeader(int32_t n, int32_t bytes) {
  format::PageHeader h;
  h.type = 2;
  h.uncompressed_page_size = h.compressed_page_size = bytes;
  h.dictionary_page_header = format::DictionaryPageHeader{n, format::Encoding::kPlain, {}};
  return h;
}

format::PageHeader DataHeader(int32_t n, int32_t bytes, format::Encoding enc) {
  format::PageHeader h;
  h.type = 0;
  h.uncompressed_page_size = h.compressed_page_size = bytes;
  h.data_page_header =
      format::DataPageHeader{n, enc, format::Encoding::kRle, format::Encoding::kRle};
  return h;
}

std::string Int64s(std::initializer_list<int64_t> v) {
  std::string s;
  for (int64_t x : v) s.append(reinterpret_cast<const char*>(&x), 8);
  return s;
}

TEST(ParquetCorruption, HandBuiltFileReads) {
  // Sanity check of the builder used below: a valid dictionary file reads.
  std::string idx;
  idx.push_back(1);  // bit width
  const uint32_t indices[] = {0, 1, 1, 0};
  RleBitPackedEncode(indices, 4, 1, &idx);
  const std::string dict = Int64s({10, 20});
  const std::string file = BuildFile(
      {{DictHeader(2, static_cast<int32_t>(dict.size())), dict},
       {DataHeader(4, static_cast<int32_t>(idx.size()), format::Encoding::kRleDictionary), idx}},
      4);
  auto reader = FileReader::OpenBuffer(file, "ok");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto col = (*reader)->ReadColumn(0, 0);
  ASSERT_TRUE(col.ok()) << col.status().ToString();
  EXPECT_EQ(col->i64, (std::vector<int64_t>{10, 20, 20, 10}));
}

TEST(ParquetCorruption, BadMagic) {
  std::string file = SmallFile(true);
  std::string a = file;
  a[0] = 'X';
  ExpectInputError(a, "bad magic at the start");
  std::string b = file;
  b[b.size() - 1] = 'X';
  ExpectInputError(b, "bad magic at the end");
  ExpectInputError("PAR1", "too small");
  ExpectInputError("", "too small");
  ExpectInputError(std::string("PAR1\0\0\0\0PAR1", 12), "");
}

TEST(ParquetCorruption, FooterLengthBeyondFile) {
  std::string file = SmallFile(true);
  const uint32_t huge = 0xfffffff0u;
  std::memcpy(file.data() + file.size() - 8, &huge, 4);
  ExpectInputError(file, "footer length");
}

TEST(ParquetCorruption, EveryTruncationIsAnError) {
  const std::string file = SmallFile(true, Compression::kZstd);
  for (size_t len = 0; len < file.size(); ++len) {
    const Status s = ReadEverything(file.substr(0, len));
    ASSERT_FALSE(s.ok()) << "prefix of " << len << " bytes read without error";
    ASSERT_EQ(s.kind(), ErrorKind::kInput) << s.ToString();
  }
}

TEST(ParquetCorruption, TruncatedChunkKeepingTheFooter) {
  // Cut bytes out of the middle: the footer still parses but pages are gone.
  const std::string file = SmallFile(false, Compression::kNone, /*checksums=*/true);
  std::string cut = file.substr(0, 60) + file.substr(400);
  const Status s = ReadEverything(cut);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.kind(), ErrorKind::kInput);
}

TEST(ParquetCorruption, PageChecksumMismatch) {
  std::string file = SmallFile(false, Compression::kNone, /*checksums=*/true);
  file[40] ^= 0x55;  // inside the first page's values
  ExpectInputError(file, "CRC-32");
}

TEST(ParquetCorruption, UnknownCodec) {
  const std::string file = RewriteFooter(SmallFile(true), [](format::FileMetaData& m) {
    m.row_groups[0].columns[0].meta_data->codec = 3;  // LZO
  });
  ExpectInputError(file, "unsupported compression codec LZO");
  const std::string file2 = RewriteFooter(SmallFile(true), [](format::FileMetaData& m) {
    m.row_groups[0].columns[0].meta_data->codec = 99;
  });
  ExpectInputError(file2, "unsupported compression codec");
}

TEST(ParquetCorruption, OffsetsAndSizesOutsideTheFile) {
  ExpectInputError(
      RewriteFooter(SmallFile(true),
                    [](format::FileMetaData& m) {
                      m.row_groups[0].columns[0].meta_data->data_page_offset = int64_t{1} << 40;
                      m.row_groups[0].columns[0].meta_data->dictionary_page_offset.reset();
                    }),
      "outside the file");
  ExpectInputError(RewriteFooter(SmallFile(true),
                                 [](format::FileMetaData& m) {
                                   m.row_groups[0].columns[0].meta_data->total_compressed_size =
                                       INT64_MAX;
                                 }),
                   "outside the file");
  ExpectInputError(
      RewriteFooter(SmallFile(true),
                    [](format::FileMetaData& m) {
                      m.row_groups[0].columns[0].meta_data->data_page_offset = -5;
                      m.row_groups[0].columns[0].meta_data->dictionary_page_offset.reset();
                    }),
      "outside the file");
}

TEST(ParquetCorruption, LyingRowCounts) {
  ExpectInputError(RewriteFooter(SmallFile(true),
                                 [](format::FileMetaData& m) {
                                   m.row_groups[0].num_rows += 1000;
                                   m.num_rows += 1000;
                                   m.row_groups[0].columns[0].meta_data->num_values += 1000;
                                 }),
                   "ends after");
  ExpectInputError(RewriteFooter(SmallFile(true), [](format::FileMetaData& m) { m.num_rows += 1; }),
                   "row groups hold");
  ExpectInputError(RewriteFooter(SmallFile(true),
                                 [](format::FileMetaData& m) {
                                   m.row_groups[0].num_rows = int64_t{1} << 50;
                                   m.num_rows = m.row_groups[0].num_rows;
                                 }),
                   "claims");
  ExpectInputError(RewriteFooter(SmallFile(true),
                                 [](format::FileMetaData& m) { m.row_groups[0].num_rows = -1; }),
                   "claims");
}

TEST(ParquetCorruption, SchemaProblems) {
  ExpectInputError(
      RewriteFooter(SmallFile(true), [](format::FileMetaData& m) { m.schema[0].num_children = 5; }),
      "flat schemas");
  ExpectInputError(RewriteFooter(SmallFile(true),
                                 [](format::FileMetaData& m) {
                                   m.schema[1].repetition_type = format::Repetition::kRepeated;
                                 }),
                   "REPEATED");
  ExpectInputError(
      RewriteFooter(SmallFile(true),
                    [](format::FileMetaData& m) { m.schema[1].type = format::Type::kDouble; }),
      "differs from the schema");
  ExpectInputError(RewriteFooter(SmallFile(true),
                                 [](format::FileMetaData& m) {
                                   m.schema[1].type = format::Type::kInt96;
                                   m.row_groups[0].columns[0].meta_data->type =
                                       format::Type::kInt96;
                                 }),
                   "not supported");
  ExpectInputError(
      RewriteFooter(SmallFile(true), [](format::FileMetaData& m) { m.schema.clear(); }),
      "empty schema");
}

TEST(ParquetCorruption, DictionaryIndexOutOfRange) {
  std::string idx;
  idx.push_back(2);
  const uint32_t indices[] = {0, 1, 3, 0};  // 3 >= dictionary size 2
  RleBitPackedEncode(indices, 4, 2, &idx);
  const std::string dict = Int64s({10, 20});
  ExpectInputError(
      BuildFile({{DictHeader(2, static_cast<int32_t>(dict.size())), dict},
                 {DataHeader(4, static_cast<int32_t>(idx.size()), format::Encoding::kRleDictionary),
                  idx}},
                4),
      "dictionary index 3 out of range");
  // The index-keeping read path checks indices the same way.
  const std::string file = BuildFile(
      {{DictHeader(2, static_cast<int32_t>(dict.size())), dict},
       {DataHeader(4, static_cast<int32_t>(idx.size()), format::Encoding::kRleDictionary), idx}},
      4);
  auto reader = FileReader::OpenBuffer(file, "bad.parquet");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto col = (*reader)->ReadDictionaryColumn(0, 0);
  ASSERT_FALSE(col.ok());
  EXPECT_EQ(col.status().kind(), ErrorKind::kInput);
  EXPECT_NE(col.status().message().find("dictionary index 3 out of range"), std::string::npos)
      << col.status().message();
}

// pyarrow writes an empty row group whose chunks hold only a dictionary page
// and have data_page_offset 0: that is an empty column, not a bad offset.
TEST(ParquetCorruption, EmptyRowGroupReadsAsEmptyColumn) {
  const std::string file = RewriteFooter(SmallFile(true), [](format::FileMetaData& m) {
    format::RowGroup empty = m.row_groups[0];
    empty.num_rows = 0;
    format::ColumnMetaData& md = *empty.columns[0].meta_data;
    md.num_values = 0;
    md.data_page_offset = 0;
    md.dictionary_page_offset = 4;
    md.total_compressed_size = 15;
    md.statistics.reset();
    m.row_groups.insert(m.row_groups.begin(), empty);
  });
  auto reader = FileReader::OpenBuffer(file, "empty.parquet");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_EQ((*reader)->num_row_groups(), 2);
  EXPECT_EQ((*reader)->row_group_num_rows(0), 0);
  auto col = (*reader)->ReadColumn(0, 0);
  ASSERT_TRUE(col.ok()) << col.status().ToString();
  EXPECT_TRUE(col->i64.empty());
  EXPECT_TRUE(col->valid.empty());
  auto dict = (*reader)->ReadDictionaryColumn(0, 0);
  ASSERT_TRUE(dict.ok()) << dict.status().ToString();
  ASSERT_TRUE(dict->has_value());
  EXPECT_EQ((*dict)->size(), 0u);
  // The rows of the other row group are unaffected.
  auto rest = (*reader)->ReadColumn(1, 0);
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_EQ(rest->i64.size(), 300u);
}

TEST(ParquetCorruption, DictionaryProblems) {
  std::string idx;
  idx.push_back(1);
  const uint32_t indices[] = {0, 1, 1, 0};
  RleBitPackedEncode(indices, 4, 1, &idx);
  const auto data = [&] {
    return std::make_pair(
        DataHeader(4, static_cast<int32_t>(idx.size()), format::Encoding::kRleDictionary), idx);
  };
  ExpectInputError(BuildFile({data()}, 4), "no dictionary page");
  // A dictionary that claims far more entries than its bytes hold.
  const std::string dict = Int64s({10, 20});
  ExpectInputError(BuildFile({{DictHeader(INT32_MAX, 16), dict}, data()}, 4), "PLAIN data holds");
  ExpectInputError(BuildFile({{DictHeader(-1, 16), dict}, data()}, 4), "negative dictionary");
  // Bit width beyond 32.
  std::string wide = idx;
  wide[0] = 40;
  ExpectInputError(
      BuildFile(
          {{DictHeader(2, 16), dict},
           {DataHeader(4, static_cast<int32_t>(wide.size()), format::Encoding::kRleDictionary),
            wide}},
          4),
      "bit width");
  // Index stream shorter than the page's value count.
  std::string shortidx = idx.substr(0, 1);
  ExpectInputError(BuildFile({{DictHeader(2, 16), dict},
                              {DataHeader(4, 1, format::Encoding::kRleDictionary), shortidx}},
                             4),
                   "ran out of data");
}

TEST(ParquetCorruption, AbsurdPageSizes) {
  const std::string body = Int64s({1, 2});
  format::PageHeader h = DataHeader(2, 16, format::Encoding::kPlain);
  h.uncompressed_page_size = INT32_MAX;  // would be a 2 GiB allocation
  ExpectInputError(BuildFile({{h, body}}, 2, /*codec=*/6), "uncompressed bytes");
  h = DataHeader(2, 16, format::Encoding::kPlain);
  h.compressed_page_size = INT32_MAX;
  ExpectInputError(BuildFile({{h, body}}, 2), "extends beyond");
  h = DataHeader(2, 16, format::Encoding::kPlain);
  h.compressed_page_size = -7;
  ExpectInputError(BuildFile({{h, body}}, 2), "extends beyond");
  // More values in a page than rows in the chunk.
  h = DataHeader(1 << 30, 16, format::Encoding::kPlain);
  ExpectInputError(BuildFile({{h, body}}, 2), "claims");
  // A page whose values are shorter than its count.
  h = DataHeader(2, 8, format::Encoding::kPlain);
  ExpectInputError(BuildFile({{h, body.substr(0, 8)}}, 2), "PLAIN data holds");
  // A page claiming 100M dictionary-coded values backed by a 10-value run:
  // decoding stops at the end of the data (memory grows with decoded values,
  // not with the claim).
  std::string idx;
  idx.push_back(1);
  const uint32_t ten[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  RleBitPackedEncode(ten, 10, 1, &idx);
  const std::string dict = Int64s({10, 20});
  ExpectInputError(BuildFile({{DictHeader(2, 16), dict},
                              {DataHeader(100000000, static_cast<int32_t>(idx.size()),
                                          format::Encoding::kRleDictionary),
                               idx}},
                             100000000),
                   "ran out of data");
  // The reader's limits apply to honest-looking pages too.
  ReaderLimits tight;
  tight.max_page_bytes = 8;
  ExpectInputError(BuildFile({{DataHeader(2, 16, format::Encoding::kPlain), body}}, 2),
                   "uncompressed bytes", tight);
}

TEST(ParquetCorruption, CorruptCompressedPages) {
  const std::string garbage(64, '\x5a');
  for (int32_t codec : {1, 2, 6}) {
    format::PageHeader h = DataHeader(2, 64, format::Encoding::kPlain);
    h.uncompressed_page_size = 16;
    ExpectInputError(BuildFile({{h, garbage}}, 2, codec), "corrupt");
  }
}

TEST(ParquetCorruption, UnsupportedEncodingsAndLevels) {
  const std::string body = Int64s({1, 2});
  ExpectInputError(BuildFile({{DataHeader(2, 16, static_cast<format::Encoding>(77)), body}}, 2),
                   "value encoding UNKNOWN");
  format::PageHeader h = DataHeader(2, 16, format::Encoding::kPlain);
  h.data_page_header->definition_level_encoding = format::Encoding::kBitPacked;
  ExpectInputError(BuildFile({{h, body}}, 2, 0, /*optional=*/true), "definition level encoding");
  // Definition levels whose length prefix points past the page.
  std::string levels("\xff\x00\x00\x00", 4);
  ExpectInputError(
      BuildFile({{DataHeader(2, 4, format::Encoding::kPlain), levels}}, 2, 0, /*optional=*/true),
      "definition levels extend");
}

TEST(ParquetCorruption, HostileThrift) {
  // Deeply nested structs must hit the depth limit, not the stack.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep.push_back(static_cast<char>(0xfc));  // field +15, struct
  format::FileMetaData meta;
  const Status s = format::Parse(deep, "deep", &meta);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("nested too deeply"), std::string::npos) << s.message();
  // A list claiming more elements than bytes.
  std::string list = "\x19\xfc\xff\xff\xff\x0f";  // field 1 list<struct>, size 2^32-1
  EXPECT_FALSE(format::Parse(list, "list", &meta).ok());
  // A binary longer than the data.
  std::string bin = "\x68\xff\xff\x03";  // field 6 (created_by) binary, length 65535
  EXPECT_FALSE(format::Parse(bin, "bin", &meta).ok());
  // Missing required fields.
  std::string empty(1, '\0');
  const Status m = format::Parse(empty, "empty", &meta);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.message().find("required field"), std::string::npos);
}

// A list of one empty struct per byte: a column chunk takes one byte on the
// wire (its stop) and hundreds decoded, so 32 MB of zeros would decode into
// ~20 GB. The parse must refuse it by its decoded size instead. Run in a child
// whose address space is capped 1 GiB above what it has mapped, where the
// decoding of the claim throws std::bad_alloc and aborts. Not under the sanitizers, whose shadow
// memory needs the address space.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define WV_TEST_SANITIZED 1
#endif
#endif
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) && !defined(WV_TEST_SANITIZED)
// Exits 0 when `footer` is refused for its decoded size, with the address
// space capped 1 GiB above what is mapped.
[[noreturn]] void ParseUnderAddressCap(const std::string& footer) {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0;
  statm >> pages;
  const rlim_t cap = pages * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) + (rlim_t{1} << 30);
  rlimit limit{};
  limit.rlim_cur = cap;
  limit.rlim_max = cap;
  setrlimit(RLIMIT_AS, &limit);
  format::FileMetaData meta;
  const Status s = format::Parse(footer, "claim", &meta);
  std::_Exit(!s.ok() && s.message().find("MiB decoded") != std::string::npos ? 0 : 1);
}

TEST(ParquetCorruptionDeathTest, ListsRefusedByTheirDecodedSize) {
  constexpr size_t kClaim = size_t{32} << 20;
  static_assert(kClaim * sizeof(format::ColumnChunk) > (size_t{2} << 30));
  // FileMetaData field 4 (row_groups) list<struct> of 1; RowGroup field 1
  // (columns) list<struct> of kClaim; then kClaim stop bytes (empty structs,
  // which parse: a column chunk has no required field here).
  std::string footer = "\x49\x1c\x19\xfc";
  size_t n = kClaim;  // the count as a ULEB128 varint
  for (; n >= 0x80; n >>= 7) footer.push_back(static_cast<char>((n & 0x7f) | 0x80));
  footer.push_back(static_cast<char>(n));
  footer.append(kClaim, '\0');
  EXPECT_EXIT(ParseUnderAddressCap(footer), ::testing::ExitedWithCode(0), "");
}
#endif

TEST(ParquetCorruption, RandomByteFlipsNeverCrash) {
  // Without page checksums, flipped bytes reach the decoders; with ASan this
  // checks every decoder path for out-of-bounds reads.
  std::mt19937_64 rng(99);
  Schema schema;
  for (auto p : {PhysicalType::kBoolean, PhysicalType::kInt32, PhysicalType::kDouble,
                 PhysicalType::kByteArray}) {
    for (auto r : {Repetition::kRequired, Repetition::kOptional}) {
      std::string name = "c";
      name += std::to_string(schema.columns.size());
      schema.columns.push_back({name, p, LogicalType::kNone, r});
    }
  }
  for (Compression codec : {Compression::kNone, Compression::kSnappy, Compression::kZstd}) {
    for (bool dict : {true, false}) {
      std::vector<ColumnVector> cols;
      for (const auto& s : schema.columns) cols.push_back(RandomColumn(s, 200, rng, 0.3, 20));
      WriterOptions options;
      options.compression = codec;
      options.dictionary = dict;
      options.page_checksums = false;
      options.page_bytes = 300;
      const std::string file = WriteToString(schema, cols, 200, options);
      for (int trial = 0; trial < 400; ++trial) {
        std::string bad = file;
        const int flips = 1 + static_cast<int>(rng() % 3);
        for (int f = 0; f < flips; ++f) {
          bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
        }
        const Status s = ReadEverything(bad);
        if (!s.ok()) {
          ASSERT_EQ(s.kind(), ErrorKind::kInput) << s.ToString();
        }
      }
    }
  }
}

}  // namespace
}  // namespace wv::parquet
