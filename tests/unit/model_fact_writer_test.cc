#include <gtest/gtest.h>

#include <algorithm>
#include <new>
#include <string>
#include <vector>

#include "fmt/core.h"
#include "model/fact_writer.h"
#include "model/star_schema.h"
#include "model_test_util.h"
#include "parquet/reader.h"

namespace wv::model {
namespace {

using testing::AddRow;
using testing::kDay0;
using testing::TempDir;

TEST(FactWriterTest, SplitsABigDayIntoSeveralFilesAndKeepsEveryRow) {
  TempDir tmp;
  const std::string out = (tmp.path() / "out").string();
  auto store = io::OpenLocalOutputStore(out);
  ASSERT_TRUE(store.ok());
  FileLedger ledger;
  FactWriterOptions options;
  options.row_group_rows = 3;
  options.max_rows_per_file = 5;
  options.max_buffered_rows = 4;  // also exercises early flushes of the fullest day
  FactWriter writer(store->get(), {"a.csv"}, options, &ledger);
  traces::TraceBatch batch;
  for (int i = 0; i < 20; ++i) AddRow(&batch, kDay0 + (i % 2) * 86400 + i, "u:a", 1, i + 2);
  ASSERT_TRUE(writer.Append(batch).ok());
  ASSERT_TRUE(writer.Finish().ok());
  EXPECT_EQ(writer.rows_written(), 20);
  EXPECT_EQ(writer.partitions(), 2);
  const auto files = ledger.Files();
  EXPECT_GT(files.size(), 2u);
  int64_t rows = 0;
  std::vector<int64_t> lines;
  for (const FileRecord& f : files) {
    rows += f.rows;
    EXPECT_LE(f.rows, 5 + 3 - 1) << f.path;
  }
  EXPECT_EQ(rows, 20);
  ASSERT_TRUE((*store)->Commit().ok());
  for (const FileRecord& f : files) {
    auto reader = parquet::FileReader::Open(out + "/" + f.path);
    ASSERT_TRUE(reader.ok()) << f.path << ": " << reader.status().message();
    for (int g = 0; g < (*reader)->num_row_groups(); ++g) {
      auto col = (*reader)->ReadColumn(g, kFactLineNumber);
      ASSERT_TRUE(col.ok());
      lines.insert(lines.end(), col->i64.begin(), col->i64.end());
    }
  }
  std::sort(lines.begin(), lines.end());
  ASSERT_EQ(lines.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(lines[i], i + 2);
}

TEST(FactWriterTest, EachFlushIsARowGroupOfItsOwnAndEachDayKeepsInputOrder) {
  TempDir tmp;
  const std::string out = (tmp.path() / "out").string();
  auto store = io::OpenLocalOutputStore(out);
  ASSERT_TRUE(store.ok());
  FileLedger ledger;
  FactWriterOptions options;
  options.row_group_rows = 4;
  options.max_buffered_rows = 5;  // three days interleaved: early flushes of smaller groups
  options.max_rows_in_flight = 4;
  options.encode_threads = 2;
  FactWriter writer(store->get(), {"a.csv"}, options, &ledger);
  for (int b = 0; b < 5; ++b) {  // several Append() calls, as chunks come
    traces::TraceBatch batch;
    for (int i = 0; i < 13; ++i) {
      const int row = b * 13 + i;
      AddRow(&batch, kDay0 + (row % 3) * 86400 + row, "u:a", 1, row + 2);
    }
    ASSERT_TRUE(writer.Append(batch).ok());
  }
  ASSERT_TRUE(writer.Finish().ok());
  ASSERT_TRUE((*store)->Commit().ok());
  int64_t rows = 0;
  bool smaller_group = false;
  for (const FileRecord& f : ledger.Files()) {
    auto reader = parquet::FileReader::Open(out + "/" + f.path);
    ASSERT_TRUE(reader.ok()) << f.path;
    std::vector<int64_t> lines;
    for (int g = 0; g < (*reader)->num_row_groups(); ++g) {
      auto col = (*reader)->ReadColumn(g, kFactLineNumber);
      ASSERT_TRUE(col.ok());
      EXPECT_LE(col->i64.size(), 4u);
      smaller_group |= col->i64.size() < 4;
      lines.insert(lines.end(), col->i64.begin(), col->i64.end());
    }
    EXPECT_TRUE(std::is_sorted(lines.begin(), lines.end())) << f.path;
    for (int64_t line : lines) EXPECT_EQ((line - 2) % 3, (lines[0] - 2) % 3) << "one day a file";
    rows += static_cast<int64_t>(lines.size());
  }
  EXPECT_EQ(rows, 65);
  EXPECT_TRUE(smaller_group);
}

// A store whose every file fails to open, like a full disk.
class FailingStore : public io::OutputStore {
 public:
  StatusOr<std::unique_ptr<io::ByteSink>> Create(std::string_view path) override {
    return OutputError(fmt::format("cannot create {}: disk full", path));
  }
  Status Commit() override { return OkStatus(); }
  const std::string& location() const override { return location_; }

 private:
  std::string location_ = "nowhere";
};

TEST(FactWriterTest, AnEncodingErrorIsReturnedByALaterCall) {
  FailingStore store;
  FileLedger ledger;
  FactWriterOptions options;
  options.row_group_rows = 2;
  options.encode_threads = 3;
  options.max_jobs_in_flight = 2;
  FactWriter writer(&store, {"a.csv"}, options, &ledger);
  traces::TraceBatch batch;
  for (int i = 0; i < 60; ++i) AddRow(&batch, kDay0 + (i % 5) * 86400 + i, "u:a", 1, i + 2);
  Status s = writer.Append(batch);
  if (s.ok()) s = writer.Finish();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("disk full"), std::string::npos) << s.message();
  EXPECT_TRUE(ledger.Files().empty());
}

// A store that runs out of memory when a file is created: the exception is
// thrown on one of FactWriter's pool threads.
class OutOfMemoryStore : public io::OutputStore {
 public:
  StatusOr<std::unique_ptr<io::ByteSink>> Create(std::string_view) override {
    throw std::bad_alloc();
  }
  Status Commit() override { return OkStatus(); }
  const std::string& location() const override { return location_; }

 private:
  std::string location_ = "nowhere";
};

TEST(FactWriterTest, BadAllocInAnEncodingTaskIsReturnedAsAStatus) {
  OutOfMemoryStore store;
  FileLedger ledger;
  FactWriterOptions options;
  options.row_group_rows = 2;
  options.encode_threads = 3;
  options.max_jobs_in_flight = 2;  // Append() waits on the failing tasks: must not hang
  FactWriter writer(&store, {"a.csv"}, options, &ledger);
  traces::TraceBatch batch;
  for (int i = 0; i < 60; ++i) AddRow(&batch, kDay0 + (i % 5) * 86400 + i, "u:a", 1, i + 2);
  Status s = writer.Append(batch);
  if (s.ok()) s = writer.Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.kind(), ErrorKind::kInternal);
  EXPECT_EQ(s.message(), "out of memory in encoding the fact table");
  EXPECT_TRUE(ledger.Files().empty());
}

TEST(FactWriterTest, DestroyedBeforeFinishWaitsForItsJobs) {
  TempDir tmp;
  auto store = io::OpenLocalOutputStore((tmp.path() / "out").string());
  ASSERT_TRUE(store.ok());
  FileLedger ledger;
  FactWriterOptions options;
  options.row_group_rows = 2;
  FactWriter writer(store->get(), {"a.csv"}, options, &ledger);
  traces::TraceBatch batch;
  for (int i = 0; i < 40; ++i) AddRow(&batch, kDay0 + (i % 4) * 86400 + i, "u:a", 1, i + 2);
  ASSERT_TRUE(writer.Append(batch).ok());
}  // no Finish(): the destructor must neither hang nor touch freed state

}  // namespace
}  // namespace wv::model
