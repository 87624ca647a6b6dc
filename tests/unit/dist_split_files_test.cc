// dist/split_files: the losers file's parsing, the fingerprints written, the
// dimension rows' round trip (streamed across read boundaries, a record longer
// than a read) and a cut dims.bin.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "dist/split_files.h"
#include "fmt/core.h"
#include "io/byte_sink.h"
#include "support/temp_dir.h"

namespace wv::dist {
namespace {

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(SplitHistory, AnswersTheLosersAndNothingElse) {
  testing::ScopedTestDir dir("wv_dist_");
  const std::string losers = (dir.path() / "losers.tsv").string();
  WriteBytes(losers, "18446744073709551615\t7\t12\t/data/a b\tc.csv\n\n5\t0\t2\t/x.csv\n");
  SplitHistory history(nullptr);
  ASSERT_TRUE(history.LoadLosers(losers).ok());
  EXPECT_EQ(history.losers(), 2u);
  auto found = history.FindEarlier(0, traces::RowFingerprint{18446744073709551615ull, 7});
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  // The path keeps its tab: it is everything after the third field.
  EXPECT_EQ(**found, "line 12 in /data/a b\tc.csv");
  // The check is part of the key.
  found = history.FindEarlier(0, traces::RowFingerprint{18446744073709551615ull, 8});
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  EXPECT_TRUE(history.Remember(0, {1, 2}, 0, 3).ok());  // no sink: nothing recorded
}

TEST(SplitHistory, RefusesAMalformedLosersFile) {
  testing::ScopedTestDir dir("wv_dist_");
  for (const std::string bad :
       {"1\t2\t3\n", "x\t2\t3\t/p\n", "1\t2\t-\t/p\n", "1\t4294967296\t3\t/p\n"}) {
    const std::string losers = (dir.path() / "losers.tsv").string();
    WriteBytes(losers, bad);
    SplitHistory history(nullptr);
    const Status s = history.LoadLosers(losers);
    EXPECT_EQ(s.kind(), ErrorKind::kInput) << bad;
    EXPECT_NE(s.message().find("line 1"), std::string::npos) << s.message();
  }
}

TEST(SplitHistory, RecordsFirstOccurrencesInOrder) {
  testing::ScopedTestDir dir("wv_dist_");
  const std::string path = (dir.path() / "fingerprints.bin").string();
  auto sink = io::OpenNewFileSink(path);
  ASSERT_TRUE(sink.ok());
  SplitHistory history(std::move(*sink));
  ASSERT_TRUE(history.Remember(100, {11, 1}, 0, 2).ok());
  ASSERT_TRUE(history.Remember(200, {22, 2}, 0, 5).ok());
  ASSERT_TRUE(history.Close().ok());
  const std::string bytes = ReadBytes(path);
  ASSERT_EQ(bytes.size(), 2 * sizeof(FingerprintRecord));
  FingerprintRecord r[2];
  std::memcpy(r, bytes.data(), bytes.size());
  EXPECT_EQ(r[0].hash, 11u);
  EXPECT_EQ(r[0].check, 1u);
  EXPECT_EQ(r[0].line, 2);
  EXPECT_EQ(r[1].hash, 22u);
  EXPECT_EQ(r[1].line, 5);
}

TEST(DimensionRows, RoundTripInBatchesAndRefuseACutFile) {
  testing::ScopedTestDir dir("wv_dist_");
  const std::string path = (dir.path() / "dims.bin").string();
  traces::TraceBatch b;
  for (int i = 0; i < 5; ++i) {
    b.timestamp.push_back(1000 + i);
    b.user_id.push_back(fmt::format("u{}", i));
    b.learning_language.push_back("es");
    b.ui_language.push_back("en");
    b.lexeme_id.push_back(std::string(32, 'a' + i));
    b.lexeme_string.push_back(i == 2 ? std::string() : "w/w<n>");
  }
  auto sink = io::OpenNewFileSink(path);
  ASSERT_TRUE(sink.ok());
  DimensionRowWriter writer(std::move(*sink));
  ASSERT_TRUE(writer.Add(b).ok());
  ASSERT_TRUE(writer.Close().ok());
  std::vector<size_t> sizes;
  traces::TraceBatch all;
  ASSERT_TRUE(ReadDimensionRows(path, 2, [&](const traces::TraceBatch& got) {
                sizes.push_back(got.size());
                for (size_t i = 0; i < got.size(); ++i) {
                  all.timestamp.push_back(got.timestamp[i]);
                  all.user_id.push_back(got.user_id[i]);
                  all.lexeme_id.push_back(got.lexeme_id[i]);
                  all.lexeme_string.push_back(got.lexeme_string[i]);
                  all.ui_language.push_back(got.ui_language[i]);
                }
                return OkStatus();
              }).ok());
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 2, 1}));
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(all.timestamp[i], b.timestamp[i]);
    EXPECT_EQ(all.user_id[i], b.user_id[i]);
    EXPECT_EQ(all.lexeme_id[i], b.lexeme_id[i]);
    EXPECT_EQ(all.lexeme_string[i], b.lexeme_string[i]);
    EXPECT_EQ(all.ui_language[i], b.ui_language[i]);
  }
  const std::string bytes = ReadBytes(path);
  WriteBytes(path, bytes.substr(0, bytes.size() - 3));
  const Status cut =
      ReadDimensionRows(path, 2, [](const traces::TraceBatch&) { return OkStatus(); });
  EXPECT_EQ(cut.kind(), ErrorKind::kInput);
}

// The reader streams the file (1 MiB reads): records cut by a read's end, and
// one record longer than a read, come back whole and in order.
TEST(DimensionRows, StreamAcrossReadsAndRecordsLongerThanARead) {
  testing::ScopedTestDir dir("wv_dist_");
  const std::string path = (dir.path() / "dims.bin").string();
  constexpr int kRows = 40000;  // ~4 MiB of records of irregular lengths
  const auto lexeme_string = [](int i) {
    return i == 777 ? std::string(size_t{3} << 20, 'x') : std::string(i % 97, 'a' + i % 26);
  };
  auto sink = io::OpenNewFileSink(path);
  ASSERT_TRUE(sink.ok());
  DimensionRowWriter writer(std::move(*sink));
  for (int start = 0; start < kRows; start += 1000) {
    traces::TraceBatch b;
    for (int i = start; i < start + 1000; ++i) {
      b.timestamp.push_back(int64_t{1} << 40 | i);
      b.user_id.push_back(fmt::format("user-{}", i * 7919 % 100003));
      b.learning_language.push_back("de");
      b.ui_language.push_back(i % 2 ? "en" : "es");
      b.lexeme_id.push_back(fmt::format("{:032x}", i));
      b.lexeme_string.push_back(lexeme_string(i));
    }
    ASSERT_TRUE(writer.Add(b).ok());
  }
  ASSERT_TRUE(writer.Close().ok());
  ASSERT_GT(ReadBytes(path).size(), size_t{6} << 20);
  int next = 0;
  bool equal = true;
  ASSERT_TRUE(ReadDimensionRows(path, 4096, [&](const traces::TraceBatch& got) {
                EXPECT_LE(got.size(), 4096u);
                for (size_t r = 0; r < got.size(); ++r, ++next) {
                  equal = equal && got.timestamp[r] == (int64_t{1} << 40 | next) &&
                          got.user_id[r] == fmt::format("user-{}", next * 7919 % 100003) &&
                          got.learning_language[r] == "de" &&
                          got.ui_language[r] == (next % 2 ? "en" : "es") &&
                          got.lexeme_id[r] == fmt::format("{:032x}", next) &&
                          got.lexeme_string[r] == lexeme_string(next);
                }
                return OkStatus();
              }).ok());
  EXPECT_EQ(next, kRows);
  EXPECT_TRUE(equal);
  // Cut inside the long record: refused, the bytes read before it named.
  const std::string bytes = ReadBytes(path);
  WriteBytes(path, bytes.substr(0, size_t{2} << 20));
  const Status cut =
      ReadDimensionRows(path, 4096, [](const traces::TraceBatch&) { return OkStatus(); });
  EXPECT_EQ(cut.kind(), ErrorKind::kInput);
  EXPECT_NE(cut.message().find("cut short"), std::string::npos) << cut.message();
}

}  // namespace
}  // namespace wv::dist
