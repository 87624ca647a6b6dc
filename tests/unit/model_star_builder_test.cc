#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "core/civil_time.h"
#include "model/star_builder.h"
#include "model/star_schema.h"
#include "model_test_util.h"
#include "parquet/reader.h"
#include "quality/star_checks.h"

namespace wv::model {
namespace {

using testing::MakeChunks;
using testing::TempDir;

TEST(StarBuilderTest, WritesPartitionedFactDimensionsQuarantineAndPassesChecks) {
  TempDir tmp;
  const std::string out = (tmp.path() / "out").string();
  auto store = io::OpenLocalOutputStore(out);
  ASSERT_TRUE(store.ok()) << store.status().message();
  const traces::References refs;
  BuildOptions options;
  options.fact_row_group_rows = 3;
  StarSchemaBuilder builder(store->get(), {"in.csv"}, &refs, options);
  for (auto& c : MakeChunks()) ASSERT_TRUE(builder.Consume(std::move(c)).ok());
  auto result = builder.Finish();
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->stats.input_rows, 42);
  EXPECT_EQ(result->stats.fact_rows, 40);
  EXPECT_EQ(result->stats.quarantine_rows, 2);
  for (const auto& c : quality::EvaluateStarChecks(result->stats)) {
    if (c.severity == quality::Severity::kError) {
      EXPECT_TRUE(c.passed) << c.name << ": " << c.detail;
    }
  }
  ASSERT_EQ(result->tables.size(), 6u);
  const TableRecord& fact = result->tables[0];
  EXPECT_EQ(fact.name, "fact_wordviews");
  ASSERT_EQ(fact.files.size(), 3u);
  EXPECT_EQ(fact.files[0].path, "fact_wordviews/date=2013-02-28/part-00000.parquet");
  EXPECT_EQ(fact.files[2].path, "fact_wordviews/date=2013-03-02/part-00000.parquet");
  ASSERT_TRUE((*store)->Commit().ok());

  // Read every fact file back: each row lies in its partition's day, and
  // history_pct is NULL exactly when history_seen is 0.
  int64_t rows = 0;
  for (const FileRecord& f : fact.files) {
    auto reader = parquet::FileReader::Open(out + "/" + f.path);
    ASSERT_TRUE(reader.ok()) << reader.status().message();
    EXPECT_EQ((*reader)->num_rows(), f.rows);
    EXPECT_GT((*reader)->num_row_groups(), 1);
    const std::string day = f.path.substr(f.path.find("date=") + 5, 10);
    for (int g = 0; g < (*reader)->num_row_groups(); ++g) {
      auto epoch = (*reader)->ReadColumn(g, kFactEpoch);
      auto ts = (*reader)->ReadColumn(g, kFactTimestamp);
      auto hp = (*reader)->ReadColumn(g, kFactHistoryPct);
      auto hs = (*reader)->ReadColumn(g, kFactHistorySeen);
      auto source = (*reader)->ReadColumn(g, kFactSourceFile);
      ASSERT_TRUE(epoch.ok() && ts.ok() && hp.ok() && hs.ok() && source.ok());
      for (size_t i = 0; i < epoch->i64.size(); ++i, ++rows) {
        EXPECT_EQ(DateString(DaysFromEpochSeconds(epoch->i64[i])), day);
        EXPECT_EQ(ts->i64[i], epoch->i64[i] * 1000000);
        EXPECT_EQ(hp->is_null(i), hs->i64[i] == 0);
        if (!hp->is_null(i)) {
          EXPECT_DOUBLE_EQ(hp->f64[i], static_cast<double>(hs->i64[i] / 2) / hs->i64[i]);
        }
        EXPECT_EQ(source->bytes[i], "in.csv");
      }
    }
  }
  EXPECT_EQ(rows, 40);

  const TableRecord& q = result->tables[5];
  ASSERT_EQ(q.files.size(), 1u);
  auto qr = parquet::FileReader::Open(out + "/" + q.files[0].path);
  ASSERT_TRUE(qr.ok());
  auto reason = (*qr)->ReadColumn(0, kQuarantineReason);
  auto detail = (*qr)->ReadColumn(0, kQuarantineDetail);
  auto raw = (*qr)->ReadColumn(0, kQuarantineRawLine);
  ASSERT_TRUE(reason.ok() && detail.ok() && raw.ok());
  EXPECT_EQ(reason->bytes[0], "bad_number");
  EXPECT_EQ(reason->bytes[1], "duplicate");
  EXPECT_EQ(detail->bytes[0], "field 1 (p_recall): 'x' ? is not a number");  // made valid UTF-8
  EXPECT_EQ(raw->bytes[0], "x,\xff,raw");                                    // kept as bytes
  EXPECT_EQ(result->stats.rejected_by_reason[static_cast<int>(traces::RejectReason::kBadNumber)],
            1);

  const TableRecord& users = result->tables[1];
  EXPECT_EQ(users.rows, 2);
  const TableRecord& langs = result->tables[3];
  EXPECT_EQ(langs.rows, 2);
}

TEST(StarBuilderTest, EmptyInputStillWritesOneFilePerTable) {
  TempDir tmp;
  auto store = io::OpenLocalOutputStore((tmp.path() / "out").string());
  ASSERT_TRUE(store.ok());
  const traces::References refs;
  StarSchemaBuilder builder(store->get(), {"in.csv"}, &refs, BuildOptions{});
  auto result = builder.Finish();
  ASSERT_TRUE(result.ok()) << result.status().message();
  for (const TableRecord& t : result->tables) {
    EXPECT_EQ(t.rows, 0) << t.name;
    EXPECT_EQ(t.files.size(), 1u) << t.name;
  }
  EXPECT_EQ(result->tables[0].files[0].path,
            "fact_wordviews/date=__HIVE_DEFAULT_PARTITION__/part-00000.parquet");
}

}  // namespace
}  // namespace wv::model
