// dist/split_files: the losers file's parsing, the fingerprints written, the
// dimension rows' round trip and a cut dims.bin.
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

}  // namespace
}  // namespace wv::dist
