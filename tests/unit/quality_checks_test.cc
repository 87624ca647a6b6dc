#include <gtest/gtest.h>

#include "absl/container/flat_hash_set.h"
#include "quality/checks.h"

namespace wv::quality {
namespace {

TEST(QualityChecksTest, KeysUniqueDetectsRepeatedStringAndIntegerKeys) {
  parquet::ColumnVector s;
  s.bytes.push_back("u:a");
  s.bytes.push_back("u:b");
  EXPECT_TRUE(CheckKeysUnique("dim_users", "user_id", s, parquet::PhysicalType::kByteArray).passed);
  s.bytes.push_back("u:a");
  const CheckResult bad =
      CheckKeysUnique("dim_users", "user_id", s, parquet::PhysicalType::kByteArray);
  EXPECT_FALSE(bad.passed);
  EXPECT_EQ(bad.observed, 1);
  EXPECT_EQ(bad.name, "dim_users.user_id.unique");

  parquet::ColumnVector i;
  i.i64 = {1, 2, 3};
  EXPECT_TRUE(CheckKeysUnique("dim_times", "epoch", i, parquet::PhysicalType::kInt64).passed);
  i.i64 = {1, 2, 2, 2};
  EXPECT_EQ(CheckKeysUnique("dim_times", "epoch", i, parquet::PhysicalType::kInt64).observed, 2);
}

// A distinct prefix given as its set gives the result of the full check:
// the values after it are counted against the prefix and each other.
TEST(QualityChecksTest, KnownDistinctPrefixGivesTheFullResult) {
  const absl::flat_hash_set<int64_t> prefix = {10, 20, 30};
  for (const std::vector<int64_t>& rest :
       std::vector<std::vector<int64_t>>{{}, {40, 50}, {20, 40}, {40, 40, 10}, {30, 30, 30}}) {
    parquet::ColumnVector i;
    i.i64 = {10, 20, 30};
    i.i64.insert(i.i64.end(), rest.begin(), rest.end());
    const CheckResult full =
        CheckKeysUnique("dim_times", "epoch", i, parquet::PhysicalType::kInt64);
    const CheckResult fast =
        CheckKeysUnique("dim_times", "epoch", i, parquet::PhysicalType::kInt64, prefix.size(),
                        [&](int64_t v) { return prefix.contains(v); });
    EXPECT_EQ(fast.observed, full.observed) << rest.size();
    EXPECT_EQ(fast.passed, full.passed);
    EXPECT_EQ(fast.detail, full.detail);
  }
}

TEST(QualityChecksTest, NullKeyFailsUniqueness) {
  parquet::ColumnVector s;
  s.bytes.push_back("a");
  s.bytes.push_back("");
  s.valid = {1, 0};
  EXPECT_FALSE(CheckKeysUnique("t", "k", s, parquet::PhysicalType::kByteArray).passed);
}

TEST(QualityChecksTest, ForeignKeyFailsWhenRowsAreUncovered) {
  EXPECT_TRUE(CheckForeignKey("user_id", "dim_users", 10, 10).passed);
  const CheckResult r = CheckForeignKey("user_id", "dim_users", 10, 7);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.observed, 3);
  EXPECT_EQ(r.severity, Severity::kError);
}

TEST(QualityChecksTest, ReconciliationComparesInputWithOutputs) {
  EXPECT_TRUE(CheckReconciliation(100, 95, 5).passed);
  EXPECT_FALSE(CheckReconciliation(100, 95, 4).passed);
  EXPECT_FALSE(CheckReconciliation(100, 96, 5).passed);
  EXPECT_TRUE(CheckReconciliation(0, 0, 0).passed);
}

TEST(QualityChecksTest, RejectedShareGate) {
  EXPECT_TRUE(CheckRejectedShare(100, 5, 0.05).passed);
  EXPECT_FALSE(CheckRejectedShare(100, 6, 0.05).passed);
  EXPECT_TRUE(CheckRejectedShare(0, 0, 0.05).passed);
  EXPECT_FALSE(CheckRejectedShare(3, 3, 0.05).passed);
  EXPECT_TRUE(CheckRejectedShare(3, 3, 1.0).passed);
}

TEST(QualityChecksTest, ZeroChecksAndAnomalies) {
  EXPECT_TRUE(CheckZero("x", 0, "bad").passed);
  const CheckResult z = CheckZero("x", 2, "bad things");
  EXPECT_FALSE(z.passed);
  EXPECT_EQ(z.detail, "2 bad things");
  const CheckResult a = CountAnomaly("anomaly.y", 3, "odd rows");
  EXPECT_FALSE(a.passed);
  EXPECT_EQ(a.severity, Severity::kWarning);
  EXPECT_TRUE(AllErrorChecksPassed({a, CheckZero("x", 0, "bad")}));
  EXPECT_FALSE(AllErrorChecksPassed({a, z}));
  EXPECT_TRUE(CountInfo("info.z", 5, "words").passed);
}

}  // namespace
}  // namespace wv::quality
