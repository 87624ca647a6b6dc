// PlanAppend: what `load --append` takes from a newer manifest, and when the
// warehouse's version is not an earlier one of the output (a full load).
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "warehouse/load_state.h"

namespace wv::warehouse {
namespace {

run::Manifest Output(const std::vector<std::string>& batches,
                     const std::vector<model::TableRecord>& tables) {
  run::Manifest m;
  for (const std::string& b : batches) m.batches.push_back({b, "t", {}, 0, 0, 0});
  m.tables = tables;
  return m;
}

model::TableRecord Table(const std::string& name, const std::vector<model::FileRecord>& files) {
  model::TableRecord t{name, 0, files};
  for (const auto& f : files) t.rows += f.rows;
  return t;
}

const std::vector<std::string> kAppendOnly = {"fact", "quarantine"};

LoadedState Day1() {
  return {{"b1"},
          {{"dim", "dim/part-0.parquet", 11, 5},
           {"fact", "fact/date=1/part-0.parquet", 21, 100},
           {"quarantine", "quarantine/part-0.parquet", 31, 2}}};
}

TEST(PlanAppendTest, TakesTheNewFilesAndTheChangedTables) {
  const run::Manifest m =
      Output({"b1", "b2"}, {Table("dim", {{"dim/part-0.parquet", 7, 0, 12}}),
                            Table("fact", {{"fact/date=1/part-0.parquet", 100, 0, 21},
                                           {"fact/date=2/part-b2.parquet", 90, 0, 22}}),
                            Table("quarantine", {{"quarantine/part-0.parquet", 2, 0, 31}})});
  StatusOr<AppendPlan> plan = PlanAppend(Day1(), m, kAppendOnly);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  ASSERT_EQ(plan->new_batches.size(), 1u);
  EXPECT_EQ(plan->new_batches[0].id, "b2");
  ASSERT_EQ(plan->added.size(), 1u);
  EXPECT_EQ(plan->added[0].table, "fact");
  ASSERT_EQ(plan->added[0].files.size(), 1u);
  EXPECT_EQ(plan->added[0].files[0].path, "fact/date=2/part-b2.parquet");
  EXPECT_EQ(plan->replaced, std::vector<std::string>{"dim"});  // its CRC changed
  const std::string sql = RecordAppendSql("s", *plan, m);
  EXPECT_NE(sql.find("'b2'"), std::string::npos);
  EXPECT_NE(sql.find("DELETE FROM \"s\".\"load_files\" WHERE table_name = 'dim'"),
            std::string::npos);
}

TEST(PlanAppendTest, TheSameVersionPlansNothing) {
  const run::Manifest m =
      Output({"b1"}, {Table("dim", {{"dim/part-0.parquet", 5, 0, 11}}),
                      Table("fact", {{"fact/date=1/part-0.parquet", 100, 0, 21}}),
                      Table("quarantine", {{"quarantine/part-0.parquet", 2, 0, 31}})});
  StatusOr<AppendPlan> plan = PlanAppend(Day1(), m, kAppendOnly);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->empty());
}

TEST(PlanAppendTest, ARebuiltOrChangedOutputIsNotAnEarlierVersion) {
  const auto tables = [](uint32_t fact_crc) {
    return std::vector<model::TableRecord>{
        Table("dim", {{"dim/part-0.parquet", 5, 0, 11}}),
        Table("fact", {{"fact/date=1/part-0.parquet", 100, 0, fact_crc}}),
        Table("quarantine", {{"quarantine/part-0.parquet", 2, 0, 31}})};
  };
  // Rebuilt: the first batch has another id.
  EXPECT_FALSE(PlanAppend(Day1(), Output({"r1", "r2"}, tables(21)), kAppendOnly).ok());
  // Fewer batches than the warehouse holds.
  EXPECT_FALSE(PlanAppend(Day1(), Output({}, tables(21)), kAppendOnly).ok());
  // A fact file the warehouse holds changed (rows only added, never rewritten).
  EXPECT_FALSE(PlanAppend(Day1(), Output({"b1", "b2"}, tables(99)), kAppendOnly).ok());
  // A fact file the warehouse holds is gone.
  run::Manifest gone = Output({"b1", "b2"}, tables(21));
  gone.tables[1].files[0].path = "fact/date=1/other.parquet";
  EXPECT_FALSE(PlanAppend(Day1(), gone, kAppendOnly).ok());
}

}  // namespace
}  // namespace wv::warehouse
