#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "support/temp_dir.h"
#include "traces/duplicate_detector.h"
#include "traces/external_sort.h"
#include "traces/spill_file.h"
#include "traces/spilled_duplicates.h"

namespace wv::traces {
namespace {

struct Less {
  bool operator()(uint64_t a, uint64_t b) const { return a < b; }
};

size_t FilesIn(const std::filesystem::path& folder) {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(folder),
                                           std::filesystem::directory_iterator()));
}

std::vector<uint64_t> SortThrough(const std::string& folder, const std::vector<uint64_t>& input,
                                  size_t memory_bytes, size_t* runs) {
  ExternalSorter<uint64_t, Less> sorter(folder, "t", memory_bytes);
  for (uint64_t v : input) EXPECT_TRUE(sorter.Add(v).ok());
  EXPECT_TRUE(sorter.Finish().ok());
  std::vector<uint64_t> out;
  uint64_t v = 0;
  while (true) {
    StatusOr<bool> more = sorter.Next(&v);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) break;
    out.push_back(v);
  }
  *runs = sorter.runs_written();
  return out;
}

TEST(SpillFileTest, ReadsBackWhatWasWrittenAndTellsAShortRecord) {
  testing::ScopedTestDir dir("spill_file");
  const std::string path = (dir.path() / "f").string();
  auto writer = SpillWriter::Create(path, 4096);
  ASSERT_TRUE(writer.ok());
  std::vector<uint32_t> values(10000);
  for (uint32_t i = 0; i < values.size(); ++i) values[i] = i * 7;
  ASSERT_TRUE((*writer)->Append(values.data(), values.size() * 4).ok());
  ASSERT_TRUE((*writer)->Append("xy").ok());
  ASSERT_TRUE((*writer)->Close().ok());
  EXPECT_FALSE(SpillWriter::Create(path, 4096).ok());  // never over an existing file

  auto reader = SpillReader::Open(path, 4096, /*unlink_now=*/true);
  ASSERT_TRUE(reader.ok());
  EXPECT_FALSE(std::filesystem::exists(path));
  for (uint32_t i = 0; i < values.size(); ++i) {
    uint32_t v = 0;
    ASSERT_TRUE(*(*reader)->Read(&v, 4));
    ASSERT_EQ(v, i * 7);
  }
  uint32_t v = 0;
  EXPECT_FALSE((*reader)->Read(&v, 4).ok());  // 2 bytes left: inside a record
}

TEST(ExternalSorterTest, AnyBudgetGivesTheOneOrderAndRemovesItsRuns) {
  testing::ScopedTestDir dir("external_sort");
  std::mt19937_64 rng(7);
  std::vector<uint64_t> input(200000);
  for (auto& v : input) v = rng() % 50000;  // many ties of equal records
  std::vector<uint64_t> expected = input;
  std::sort(expected.begin(), expected.end());
  // All in memory; a few runs; more runs than the fan-in (merged in passes).
  for (size_t memory : {size_t{64} << 20, size_t{400} << 10, size_t{8} << 10}) {
    size_t runs = 0;
    EXPECT_EQ(SortThrough(dir.path().string(), input, memory, &runs), expected) << memory;
    if (memory == (size_t{8} << 10)) {
      EXPECT_GT(runs, (ExternalSorter<uint64_t, Less>::kFanIn + 150));
    }
    EXPECT_EQ(FilesIn(dir.path()), 0u);
  }
}

TEST(ExternalSorterTest, EmptyInput) {
  testing::ScopedTestDir dir("external_sort_empty");
  size_t runs = 0;
  EXPECT_TRUE(SortThrough(dir.path().string(), {}, 8192, &runs).empty());
  EXPECT_EQ(runs, 0u);
}

// SpilledDuplicates finds exactly what DuplicateDetector finds, whatever the
// budget and in whatever order the rows are told.
TEST(SpilledDuplicatesTest, FindsWhatTheInMemoryDetectorFinds) {
  testing::ScopedTestDir dir("spilled_dups");
  std::mt19937_64 rng(11);
  const size_t n = 100000;
  std::vector<RowFingerprint> fingerprints(n);
  std::vector<int64_t> lines(n);
  for (size_t i = 0; i < n; ++i) {
    // ~10% repeats; some share the hash but not the check (told apart).
    const uint64_t row = rng() % (n * 9 / 10);
    fingerprints[i] = RowFingerprint{row / 2, static_cast<uint32_t>(row % 2)};
    lines[i] = static_cast<int64_t>(2 + i + i / 3);  // gaps: blank lines, rejected rows
  }
  DuplicateDetector detector;
  std::vector<DuplicateDetector::Duplicate> expected;
  detector.Check(fingerprints, 1000, lines, &expected);
  ASSERT_GT(expected.size(), 5000u);

  for (size_t memory : {size_t{64} << 20, size_t{64} << 10}) {
    SpilledDuplicates spilled(dir.path().string(), memory);
    // Told in reverse order: the result must not depend on it.
    for (size_t i = n; i-- > 0;) {
      ASSERT_TRUE(spilled.Add(fingerprints[i], 1000 + static_cast<uint64_t>(lines[i])).ok());
    }
    ASSERT_TRUE(spilled.Resolve().ok());
    if (memory < (size_t{1} << 20)) {
      EXPECT_GT(spilled.runs_written(), 10u);
    }
    std::vector<DuplicateDetector::Duplicate> found;
    size_t next_row = 0;
    SpilledDuplicates::Found f;
    while (*spilled.Next(&f)) {
      while (next_row < n && 1000 + static_cast<uint64_t>(lines[next_row]) != f.line) ++next_row;
      ASSERT_LT(next_row, n);
      found.push_back({next_row, static_cast<uint32_t>(f.first_line)});
    }
    EXPECT_EQ(found, expected) << memory;
    EXPECT_EQ(FilesIn(dir.path()), 0u);
  }
}

TEST(DuplicateDetectorBudgetTest, MaxRowsWithinFitsAReservedTable) {
  EXPECT_EQ(DuplicateDetector::MaxRowsWithin(0), 1u);
  // 16 Mi slots of 17 bytes = 285 MB holds the real file's 12.85M rows.
  EXPECT_GE(DuplicateDetector::MaxRowsWithin(size_t{300} << 20), 12854226u);
  EXPECT_LT(DuplicateDetector::MaxRowsWithin(size_t{250} << 20), 12854226u);
}

}  // namespace
}  // namespace wv::traces
