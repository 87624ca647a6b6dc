#include <cstdlib>
#include <string>

#include "core/civil_time.h"
#include "gtest/gtest.h"
#include "run/freshness.h"

namespace wv::run {
namespace {

// A plain run's manifest (the fields freshness reads, and one it does not).
constexpr const char* kRunManifest = R"({
  "format_version": 1, "run_id": "20130301T000000Z-ab12", "created_at": "2013-03-01T05:30:00Z",
  "rows": {"input": 100, "accepted": 97, "rejected": 3}, "tables": {}
})";

TEST(FreshnessTest, APlainRunIsItsOwnBatch) {
  const StatusOr<Freshness> f = FreshnessFromManifest(kRunManifest);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->batch_id, "20130301T000000Z-ab12");
  EXPECT_EQ(f->batch_time, "2013-03-01T05:30:00Z");
  EXPECT_EQ(f->batch_epoch, *ParseIsoDateTimeString("2013-03-01T05:30:00Z"));
  EXPECT_EQ(f->input_rows, 100);
  EXPECT_EQ(f->accepted_rows, 97);
  EXPECT_EQ(f->rejected_rows, 3);
  EXPECT_EQ(f->batches, 1);
  EXPECT_FALSE(f->from_batches);
}

TEST(FreshnessTest, TheNewestBatchIsTheLastOfBatches) {
  const StatusOr<Freshness> f = FreshnessFromManifest(R"({
    "run_id": "r", "created_at": "2013-03-01T05:30:00Z",
    "rows": {"input": 300, "accepted": 290, "rejected": 10},
    "batches": [
      {"id": "b1", "appended_at": "2013-03-01T05:30:00Z", "inputs": [],
       "rows": {"input": 100, "accepted": 97, "rejected": 3}},
      {"id": "b2", "appended_at": "2013-03-02T05:31:07Z", "inputs": [],
       "rows": {"input": 200, "accepted": 193, "rejected": 7}}]})");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->batch_id, "b2");
  EXPECT_EQ(f->batch_epoch, *ParseIsoDateTimeString("2013-03-02T05:31:07Z"));
  EXPECT_EQ(f->input_rows, 200);
  EXPECT_EQ(f->accepted_rows, 193);
  EXPECT_EQ(f->rejected_rows, 7);
  EXPECT_EQ(f->batches, 2);
  EXPECT_TRUE(f->from_batches);
}

TEST(FreshnessTest, MalformedManifestsAreInputErrors) {
  for (
      const char* text : {
          "not json",
          "[]",
          R"({"run_id": "r", "rows": {"input": 1, "accepted": 1, "rejected": 0}})",
          R"({"run_id": "r", "created_at": "yesterday", "rows": {"input": 1, "accepted": 1, "rejected": 0}})",
          R"({"run_id": "r", "created_at": "2013-03-01T05:30:00Z", "rows": {"input": -1, "accepted": 1, "rejected": 0}})",
          R"({"run_id": "r", "created_at": "2013-03-01T05:30:00Z", "rows": {"input": 1, "accepted": 1, "rejected": 0}, "batches": []})",
          R"({"batches": [{"id": "b", "appended_at": "2013-03-01T05:30:00+02:00", "rows": {"input": 1, "accepted": 1, "rejected": 0}}]})",
          R"({"batches": [{"id": "b", "appended_at": "2013-03-01T05:30:00Z"}]})",
      }) {
    const StatusOr<Freshness> f = FreshnessFromManifest(text);
    ASSERT_FALSE(f.ok()) << text;
    EXPECT_EQ(f.status().kind(), ErrorKind::kInput) << text;
  }
}

TEST(FreshnessTest, NowComesFromWvNowWhenSet) {
  ASSERT_EQ(setenv(kNowEnvironmentVariable, "2013-03-02T07:00:00Z", 1), 0);
  EXPECT_EQ(*FreshnessNow(), *ParseIsoDateTimeString("2013-03-02T07:00:00Z"));
  ASSERT_EQ(setenv(kNowEnvironmentVariable, "1362207600", 1), 0);
  EXPECT_EQ(*FreshnessNow(), 1362207600);
  ASSERT_EQ(setenv(kNowEnvironmentVariable, "tomorrow", 1), 0);
  EXPECT_EQ(FreshnessNow().status().kind(), ErrorKind::kUsage);
  ASSERT_EQ(unsetenv(kNowEnvironmentVariable), 0);
  const int64_t before = NowEpochSeconds();
  const int64_t now = *FreshnessNow();
  EXPECT_GE(now, before);
  EXPECT_LE(now, NowEpochSeconds());
}

TEST(FreshnessTest, AgeTextForPeople) {
  EXPECT_EQ(AgeText(45), "45 s");
  EXPECT_EQ(AgeText(60 * 59), "59 min");
  EXPECT_EQ(AgeText(3 * 3600 + 25 * 60 + 9), "3 h 25 min");
  EXPECT_EQ(AgeText(2 * 86400 + 4 * 3600 + 59), "2 d 4 h");
  EXPECT_EQ(AgeText(-90), "-1 min");
}

}  // namespace
}  // namespace wv::run
