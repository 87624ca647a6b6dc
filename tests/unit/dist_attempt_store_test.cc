// dist/attempt_store and the shard report: the local listing's sizes and
// CRC-32s (zlib's, an independent oracle), the report's JSON round trip with
// ETags and its refusals, a dims.bin checked against its report, and the
// work-prefix removal's refusal of a URL that is not a work prefix (before any
// request).
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "dist/attempt_store.h"
#include "dist/split_files.h"
#include "dist/split_step.h"
#include "io/byte_sink.h"
#include "support/temp_dir.h"

namespace wv::dist {
namespace {

void WriteBytes(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

uint32_t ZlibCrc(const std::string& bytes) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

TEST(AttemptStore, ListsEveryFileWithItsSizeAndCrc) {
  testing::ScopedTestDir dir("wv_attempt_");
  const std::string big(size_t{9} << 20, 'q');  // more than one 8 MiB read
  WriteBytes(dir.path() / "out/fact/date=1/part-00000.parquet", big + "z");
  WriteBytes(dir.path() / "dims.bin", "");
  WriteBytes(dir.path() / "fingerprints.bin", "abc");
  auto files = ListWrittenFiles(dir.path().string());
  ASSERT_TRUE(files.ok()) << files.status().message();
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[0].path, "dims.bin");
  EXPECT_EQ((*files)[0].bytes, 0u);
  EXPECT_EQ((*files)[1].path, "fingerprints.bin");
  EXPECT_EQ((*files)[1].crc32, ZlibCrc("abc"));
  EXPECT_EQ((*files)[2].path, "out/fact/date=1/part-00000.parquet");
  EXPECT_EQ((*files)[2].bytes, big.size() + 1);
  EXPECT_EQ((*files)[2].crc32, ZlibCrc(big + "z"));
}

TEST(SplitReport, RoundTripsWithEtagsAndRefusesOtherJson) {
  SplitReport r;
  r.attempt_dir = "s3://b/work/.wv-dist-x-r/first/split-00000/attempt-0";
  r.files = {{"dims.bin", 12, 0xfffffffeu, "\"e1\""}, {"out/_manifest.json", 3, 7, ""}};
  auto back = ParseSplitReportJson(SplitReportJson(r), "report");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->attempt_dir, r.attempt_dir);
  ASSERT_EQ(back->files.size(), 2u);
  EXPECT_EQ(back->files[0].crc32, 0xfffffffeu);
  EXPECT_EQ(back->files[0].etag, "\"e1\"");
  EXPECT_EQ(back->files[1].etag, "");
  for (const char* bad : {"", "[]", "{\"attempt_dir\": \"a\"}",
                          "{\"attempt_dir\": \"a\", \"files\": [{\"path\": \"x\", \"bytes\": -1, "
                          "\"crc32\": 1}]}"}) {
    auto parsed = ParseSplitReportJson(bad, "reports.jsonl: line 3");
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().kind(), ErrorKind::kInput);
    EXPECT_NE(parsed.status().message().find("reports.jsonl: line 3"), std::string::npos);
  }
}

TEST(AttemptStore, DimsCheckedAgainstTheirReport) {
  testing::ScopedTestDir dir("wv_attempt_");
  const std::string path = (dir.path() / "dims.bin").string();
  traces::TraceBatch b;
  b.timestamp.push_back(1);
  b.user_id.push_back("u");
  b.learning_language.push_back("es");
  b.ui_language.push_back("en");
  b.lexeme_id.push_back("l");
  b.lexeme_string.push_back("w");
  auto sink = io::OpenNewFileSink(path);
  ASSERT_TRUE(sink.ok());
  DimensionRowWriter writer(std::move(*sink));
  ASSERT_TRUE(writer.Add(b).ok());
  ASSERT_TRUE(writer.Close().ok());
  auto files = ListWrittenFiles(dir.path().string());
  ASSERT_TRUE(files.ok());
  const WrittenFile reported = files->front();
  const auto ignore = [](const traces::TraceBatch&) { return OkStatus(); };
  EXPECT_TRUE(ReadDimensionRows(path, 10, ignore, &reported).ok());
  WrittenFile other = reported;
  other.crc32 ^= 1;
  Status s = ReadDimensionRows(path, 10, ignore, &other);
  EXPECT_EQ(s.kind(), ErrorKind::kInput);
  EXPECT_NE(s.message().find("differs from its attempt's report"), std::string::npos);
  other = reported;
  other.bytes += 1;
  EXPECT_EQ(ReadDimensionRows(path, 10, ignore, &other).kind(), ErrorKind::kInput);
}

TEST(AttemptStore, RemovesOnlyAWorkPrefix) {
  for (const char* url : {"s3://bucket/work", "s3://bucket/.wv-dist-", "s3://bucket/a/.wv-distx"}) {
    auto removed = RemoveS3WorkPrefix(url);
    ASSERT_FALSE(removed.ok()) << url;
    EXPECT_EQ(removed.status().kind(), ErrorKind::kUsage) << url;
    EXPECT_NE(removed.status().message().find("nothing was removed"), std::string::npos);
  }
}

}  // namespace
}  // namespace wv::dist
