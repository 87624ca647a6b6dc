#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "traces/duplicate_detector.h"
#include "traces/references.h"
#include "traces/validator.h"

namespace wv::traces {
namespace {

using Duplicate = DuplicateDetector::Duplicate;

std::vector<Duplicate> Check(DuplicateDetector& detector,
                             const std::vector<RowFingerprint>& fingerprints, uint64_t line_start,
                             const std::vector<int64_t>& lines) {
  std::vector<Duplicate> duplicates;
  detector.Check(fingerprints, line_start, lines, &duplicates);
  return duplicates;
}

// The fingerprints the validator gives the accepted rows of `rows`.
std::vector<RowFingerprint> FingerprintsOf(const std::string& rows) {
  static const References refs;
  ChunkValidator validator(refs);
  ValidatedChunk chunk;
  DedupInput dedup;
  validator.Validate(rows, 0, 2, &chunk, &dedup);
  EXPECT_EQ(chunk.rejected.size(), 0u) << chunk.rejected.detail[0];
  return dedup.fingerprints;
}

const RowFingerprint kA{1, 10}, kB{2, 20}, kC{3, 30};

TEST(DuplicateDetectorTest, TheFirstOccurrenceWinsWithinAChunk) {
  DuplicateDetector detector;
  EXPECT_EQ(Check(detector, {kA, kB, kA, kC, kB, kA}, 0, {2, 3, 4, 5, 6, 7}),
            (std::vector<Duplicate>{{2, 2}, {4, 3}, {5, 2}}));
  EXPECT_EQ(detector.size(), 3u);
}

TEST(DuplicateDetectorTest, TheFirstOccurrenceWinsAcrossChunksAndFiles) {
  DuplicateDetector detector;
  // File 0 (lines 1..4 = run-wide 1..4), then file 1 starting at run-wide 4.
  EXPECT_TRUE(Check(detector, {kA}, 0, {2}).empty());
  EXPECT_TRUE(Check(detector, {kB}, 0, {3}).empty());
  EXPECT_EQ(Check(detector, {kC, kB, kA}, 4, {2, 3, 4}), (std::vector<Duplicate>{{1, 3}, {2, 2}}));
  // A later copy still names the first occurrence, not the previous copy.
  EXPECT_EQ(Check(detector, {kA}, 4, {9}), (std::vector<Duplicate>{{0, 2}}));
}

TEST(DuplicateDetectorTest, AHashCollisionIsToldApartByTheCheck) {
  DuplicateDetector detector;
  const RowFingerprint same_hash{kA.hash, kA.check + 1};
  EXPECT_TRUE(Check(detector, {kA, same_hash}, 0, {2, 3}).empty());
  EXPECT_EQ(Check(detector, {same_hash, kA}, 0, {4, 5}), (std::vector<Duplicate>{{0, 3}, {1, 2}}));
  // Same check, different hash: distinct too.
  EXPECT_TRUE(Check(detector, {RowFingerprint{kA.hash + 1, kA.check}}, 0, {6}).empty());
}

TEST(DuplicateDetectorTest, PositionsBeyond32BitsAreReportedAsUnknown) {
  DuplicateDetector detector;
  const uint64_t far = uint64_t{1} << 32;
  EXPECT_TRUE(Check(detector, {kA}, far, {2}).empty());
  EXPECT_EQ(Check(detector, {kA}, far, {3}), (std::vector<Duplicate>{{0, 0}}));
}

TEST(DuplicateDetectorTest, RowsDifferingOnlyInQuotingOrLineEndsAreDuplicates) {
  const std::string row =
      "1.0,1362076081,27649635,u:FO,de,en,76390c1350a8dac31186187e2fe1e178,"
      "lernt/lernen<vblex><pri><p3><sg>,6,4,2,2";
  const std::string quoted =
      "\"1.0\",1362076081,27649635,\"u:FO\",de,en,76390c1350a8dac31186187e2fe1e178,"
      "\"lernt/lernen<vblex><pri><p3><sg>\",6,4,2,2";
  const std::string other = row.substr(0, row.size() - 1) + "1";
  const std::vector<RowFingerprint> fingerprints =
      FingerprintsOf(row + "\n" + quoted + "\r\n" + other + "\n" + row + "\r\n");
  ASSERT_EQ(fingerprints.size(), 4u);
  DuplicateDetector detector;
  EXPECT_EQ(Check(detector, fingerprints, 0, {2, 3, 4, 5}),
            (std::vector<Duplicate>{{1, 2}, {3, 2}}));
}

TEST(DuplicateDetectorTest, ReserveKeepsTheState) {
  DuplicateDetector detector;
  EXPECT_TRUE(Check(detector, {kA, kB}, 0, {2, 3}).empty());
  detector.Reserve(1000);
  EXPECT_EQ(Check(detector, {kB}, 0, {4}), (std::vector<Duplicate>{{0, 3}}));
}

TEST(RunLineNumbersTest, FilesFollowEachOtherAndHeaderOnlyFilesCountOneLine) {
  // File 0 has 10 lines, file 1 only its header (no chunk), file 2 five lines.
  const std::vector<uint64_t> lines = {10, 0, 5};
  RunLineNumbers numbers(3);
  const auto lines_of = [&](uint32_t f) { return lines[f]; };
  numbers.Reach(0, lines_of);
  EXPECT_EQ(numbers.start(0), 0u);
  numbers.Reach(2, lines_of);
  EXPECT_EQ(numbers.start(1), 10u);
  EXPECT_EQ(numbers.start(2), 11u);
  const auto located = [&](uint64_t line) {
    const RunLineNumbers::FileLine at = numbers.Locate(line);
    return std::pair<uint32_t, int64_t>(at.file, at.line);
  };
  EXPECT_EQ(located(1), (std::pair<uint32_t, int64_t>(0, 1)));
  EXPECT_EQ(located(10), (std::pair<uint32_t, int64_t>(0, 10)));
  EXPECT_EQ(located(11), (std::pair<uint32_t, int64_t>(1, 1)));
  EXPECT_EQ(located(13), (std::pair<uint32_t, int64_t>(2, 2)));
}

}  // namespace
}  // namespace wv::traces
