#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "model/dimensions.h"
#include "model/star_schema.h"
#include "model/users_spill.h"
#include "support/temp_dir.h"

// The users spill (model/users_spill.h) against the in-memory users: the same
// dim_users rows in the same order, the same session counts, whatever the
// moment the users spill and whether the session log had spilled first.
namespace wv::model {
namespace {

constexpr int64_t kT = 1362076100;

// Random traces in batches: users from a pool, sessions that continue for
// a few rows, resume later (split sessions), change course, repeat words.
std::vector<traces::TraceBatch> RandomBatches(uint32_t seed, int batches, int rows_per_batch,
                                              int users) {
  std::mt19937 rng(seed);
  static const char* kPairs[][2] = {{"es", "en"}, {"en", "es"}, {"fr", "en"}};
  std::vector<traces::TraceBatch> out(batches);
  std::string user = "u:0";
  int64_t epoch = kT;
  int pair = 0;
  for (traces::TraceBatch& b : out) {
    for (int r = 0; r < rows_per_batch; ++r) {
      if (rng() % 10 < 4) {  // a new run
        user = "u:" + std::to_string(rng() % users);
        epoch = kT + static_cast<int64_t>(rng() % 40);
        pair = static_cast<int>(rng() % 10 == 0 ? rng() % 3 : 0);
      }
      const int word = static_cast<int>(rng() % 25);
      b.p_recall.push_back(1.0);
      b.timestamp.push_back(epoch);
      b.delta.push_back(10);
      b.user_id.push_back(user);
      b.learning_language.push_back(kPairs[pair][0]);
      b.ui_language.push_back(kPairs[pair][1]);
      b.lexeme_id.push_back(std::string(32, static_cast<char>('a' + word)));
      b.lexeme_string.push_back("w/w<n>");
      b.history_seen.push_back(1);
      b.history_correct.push_back(1);
      b.session_seen.push_back(1);
      b.session_correct.push_back(1);
      b.source_file.push_back(0);
      b.line_number.push_back(r + 2);
    }
  }
  return out;
}

struct UsersResult {
  TableData table;
  int64_t rows_covered = 0;
  int64_t distinct_sessions = 0;
  int64_t collisions = 0;
  bool spilled = false;
};

// dim_users as the builder gives it, read from the spilled table in small
// batches when it spilled.
UsersResult BuildUsers(DimensionBuilder builder, const std::vector<traces::TraceBatch>& batches) {
  for (const traces::TraceBatch& b : batches) {
    const Status s = builder.Add(b);
    EXPECT_TRUE(s.ok()) << s.message();
  }
  AccumulatedDimensions dims = std::move(builder).Finish().value();
  UsersResult r;
  r.distinct_sessions = dims.sessions.distinct_sessions;
  r.collisions = dims.sessions.natural_key_collisions;
  if (dims.spilled_users == nullptr) {
    UsersAccumulator::Built built = dims.BuildUsers();
    r.table = std::move(built.table);
    r.rows_covered = built.rows_covered;
    return r;
  }
  r.spilled = true;
  r.table.columns.assign(kNumUsersColumns, parquet::ColumnVector());
  TableData batch;
  while (dims.spilled_users->Next(7, &batch).value()) {
    EXPECT_LE(batch.rows, 7u);
    for (size_t i = 0; i < batch.rows; ++i) {
      r.table.columns[kUserId].bytes.push_back(batch.columns[kUserId].bytes[i]);
      for (int c :
           {kUserNumberOfSessions, kUserFirstSeen, kUserLastSeen, kUserViews, kUserCourses}) {
        r.table.columns[c].i64.push_back(batch.columns[c].i64[i]);
      }
    }
    r.table.rows += batch.rows;
  }
  EXPECT_EQ(dims.spilled_users->users(), static_cast<int64_t>(r.table.rows));
  EXPECT_EQ(dims.spilled_users->repeated_keys(), 0);
  r.rows_covered = dims.spilled_users->rows_covered();
  return r;
}

void ExpectSameUsers(const UsersResult& a, const UsersResult& b) {
  ASSERT_EQ(a.table.rows, b.table.rows);
  for (size_t i = 0; i < a.table.rows; ++i) {
    ASSERT_EQ(a.table.columns[kUserId].bytes[i], b.table.columns[kUserId].bytes[i]) << i;
  }
  for (int c : {kUserNumberOfSessions, kUserFirstSeen, kUserLastSeen, kUserViews, kUserCourses}) {
    EXPECT_EQ(a.table.columns[c].i64, b.table.columns[c].i64)
        << ColumnName(static_cast<UsersColumn>(c));
  }
  EXPECT_EQ(a.rows_covered, b.rows_covered);
  EXPECT_EQ(a.distinct_sessions, b.distinct_sessions);
  EXPECT_EQ(a.collisions, b.collisions);
}

DimensionBuilder Spilling(const std::filesystem::path& dir, size_t sessions_bytes,
                          size_t users_bytes) {
  return DimensionBuilder(
      DimensionSpill{SessionLogSpill{dir.string(), sessions_bytes}, users_bytes});
}

TEST(UsersSpillTest, SpilledUsersEqualTheInMemoryUsers) {
  wv::testing::ScopedTestDir dir("users_spill");
  for (uint32_t seed : {1u, 2u, 3u}) {
    const auto batches = RandomBatches(seed, 6, 3000, 700);
    const UsersResult memory = BuildUsers(DimensionBuilder(), batches);
    ASSERT_FALSE(memory.spilled);
    EXPECT_GT(memory.collisions, 0);
    EXPECT_GT(memory.table.rows, 600u);
    // At the first run; after about 100 users with the session log in
    // memory; after it with the session log spilled first (its sorted runs
    // handed over); with the partitions' own session logs spilling too.
    for (auto [sessions_bytes, users_bytes] : {std::pair<size_t, size_t>{size_t{1} << 30, 1},
                                               {size_t{1} << 30, 100 * 160},
                                               {1, 100 * 160},
                                               {1, 1}}) {
      SCOPED_TRACE(::testing::Message() << "seed " << seed << " sessions " << sessions_bytes
                                        << " users " << users_bytes);
      const UsersResult spilled =
          BuildUsers(Spilling(dir.path(), sessions_bytes, users_bytes), batches);
      EXPECT_TRUE(spilled.spilled);
      ExpectSameUsers(memory, spilled);
      // Every spill file is removed once read.
      EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
    }
  }
}

TEST(UsersSpillTest, UsersWithinTheBudgetStayInMemory) {
  wv::testing::ScopedTestDir dir("users_no_spill");
  const auto batches = RandomBatches(4, 2, 1000, 50);
  const UsersResult memory = BuildUsers(DimensionBuilder(), batches);
  const UsersResult big = BuildUsers(Spilling(dir.path(), size_t{1} << 30, 51 * 160), batches);
  EXPECT_FALSE(big.spilled);
  ExpectSameUsers(memory, big);
}

TEST(UsersSpillTest, SpillingIntoAMissingFolderIsAnOutputError) {
  DimensionBuilder builder(
      DimensionSpill{SessionLogSpill{"/nonexistent-wv-folder/x", size_t{1} << 30}, 1});
  const auto batches = RandomBatches(5, 1, 100, 10);
  const Status s = builder.Add(batches[0]);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.kind(), ErrorKind::kOutput) << s.message();
  EXPECT_NE(s.message().find("users-"), std::string::npos) << s.message();
}

using Logged = std::tuple<uint32_t, int64_t, uint32_t>;

std::vector<Logged> DrainAll(SessionLog* log) {
  std::vector<Logged> rows;
  const Status s =
      log->Drain([&](uint32_t user, int64_t epoch, const std::vector<uint32_t>& words) {
        EXPECT_FALSE(words.empty());
        for (uint32_t w : words) rows.emplace_back(user, epoch, w);
      });
  EXPECT_TRUE(s.ok()) << s.message();
  std::sort(rows.begin(), rows.end());
  return rows;
}

TEST(SessionLogDrainTest, HandsBackEveryRowInMemoryAndSpilled) {
  wv::testing::ScopedTestDir dir("session_drain");
  std::mt19937 rng(9);
  SessionLog memory;
  SessionLog spilled(SessionLogSpill{dir.path().string(), 1});
  std::vector<Logged> expected;
  for (int r = 0; r < 5000; ++r) {
    const auto user = static_cast<uint32_t>(rng() % 30);
    const int64_t epoch = kT + static_cast<int64_t>(rng() % 20);
    std::vector<uint32_t> words(1 + rng() % 4);
    for (uint32_t& w : words) {
      w = static_cast<uint32_t>(rng() % 9);
      expected.emplace_back(user, epoch, w);
    }
    memory.AddRun(user, epoch, words);
    spilled.AddRun(user, epoch, words);
  }
  ASSERT_TRUE(spilled.spilled());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(DrainAll(&memory), expected);
  EXPECT_EQ(DrainAll(&spilled), expected);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  // Drained: nothing is left to count.
  EXPECT_EQ(memory.Count(30).value().distinct_sessions, 0);
}

}  // namespace
}  // namespace wv::model
