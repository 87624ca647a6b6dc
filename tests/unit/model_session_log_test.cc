#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "model/session_log.h"
#include "support/temp_dir.h"

namespace wv::model {
namespace {

constexpr int64_t kT = 1362076100;

TEST(SessionLogTest, CountsDistinctSessionsPerUser) {
  SessionLog log;
  log.AddRun(0, kT, {1, 2});
  log.AddRun(1, kT, {1});
  log.AddRun(0, kT + 1, {3});
  log.AddRun(0, kT, {4});  // session (0, kT) again, not adjacent
  const SessionLog::Counts c = log.Count(2).value();
  ASSERT_EQ(c.sessions_per_user.size(), 2u);
  EXPECT_EQ(c.sessions_per_user[0], 2);
  EXPECT_EQ(c.sessions_per_user[1], 1);
  EXPECT_EQ(c.distinct_sessions, 3);
  EXPECT_EQ(c.natural_key_collisions, 0);
}

TEST(SessionLogTest, CollisionsInsideRunsAndAcrossSplitSessions) {
  SessionLog log;
  log.AddRun(0, kT, {1, 2, 2, 1});  // two repeats inside the run
  log.AddRun(1, kT, {1});           // another user's session: no collision
  log.AddRun(0, kT, {2, 3});        // the session resumes: word 2 repeats
  log.AddRun(2, kT + 5, {7, 7});    // an unsplit session with one repeat
  const SessionLog::Counts c = log.Count(3).value();
  EXPECT_EQ(c.natural_key_collisions, 4);
  EXPECT_EQ(c.distinct_sessions, 3);
  EXPECT_EQ(c.sessions_per_user[0], 1);
}

TEST(SessionLogTest, EmptyLog) {
  SessionLog log;
  const SessionLog::Counts c = log.Count(0).value();
  EXPECT_EQ(c.distinct_sessions, 0);
  EXPECT_EQ(c.natural_key_collisions, 0);
}

// Random sessions: few users, epochs and words, so that sessions split over
// several runs and (session, word) repeats are common.
void AddRandomRuns(uint32_t seed, int runs, SessionLog* log) {
  std::mt19937 rng(seed);
  for (int r = 0; r < runs; ++r) {
    const auto user = static_cast<uint32_t>(rng() % 40);
    const int64_t epoch = kT + static_cast<int64_t>(rng() % 30);
    std::vector<uint32_t> words(1 + rng() % 6);
    for (uint32_t& w : words) w = static_cast<uint32_t>(rng() % 12);
    log->AddRun(user, epoch, words);
  }
}

TEST(SessionLogTest, SpilledLogCountsTheSameAsInMemory) {
  wv::testing::ScopedTestDir dir("session_log_spill");
  for (uint32_t seed : {1u, 2u, 3u}) {
    SessionLog memory;
    // A budget of one byte: the log spills at its second run, and its sorted
    // runs (1024 rows each, the sorter's least) need more than one merge pass.
    SessionLog spilled(SessionLogSpill{dir.path().string(), 1});
    AddRandomRuns(seed, 20000, &memory);
    AddRandomRuns(seed, 20000, &spilled);
    ASSERT_TRUE(spilled.status().ok());
    EXPECT_FALSE(memory.spilled());
    EXPECT_TRUE(spilled.spilled());
    const SessionLog::Counts a = memory.Count(40).value();
    const SessionLog::Counts b = spilled.Count(40).value();
    EXPECT_EQ(a.sessions_per_user, b.sessions_per_user);
    EXPECT_EQ(a.distinct_sessions, b.distinct_sessions);
    EXPECT_EQ(a.natural_key_collisions, b.natural_key_collisions);
    EXPECT_GT(a.natural_key_collisions, 0);
  }
  // Every spill file is removed once read.
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(SessionLogTest, ALogSpilledMidwayCountsTheSameAsInMemory) {
  // 20 MB: the log spills after about a million runs held in memory, which
  // are moved into the sorter (sessions split across the move included).
  wv::testing::ScopedTestDir dir("session_log_midway");
  SessionLog memory;
  SessionLog spilled(SessionLogSpill{dir.path().string(), size_t{20} << 20});
  AddRandomRuns(11, 1500000, &memory);
  AddRandomRuns(11, 1500000, &spilled);
  ASSERT_TRUE(spilled.status().ok());
  EXPECT_TRUE(spilled.spilled());
  const SessionLog::Counts a = memory.Count(40).value();
  const SessionLog::Counts b = spilled.Count(40).value();
  EXPECT_EQ(a.sessions_per_user, b.sessions_per_user);
  EXPECT_EQ(a.distinct_sessions, b.distinct_sessions);
  EXPECT_EQ(a.natural_key_collisions, b.natural_key_collisions);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(SessionLogTest, SpillingIntoAMissingFolderIsAnError) {
  SessionLog log(SessionLogSpill{"/nonexistent-wv-folder/x", 1});
  AddRandomRuns(7, 5000, &log);
  EXPECT_FALSE(log.status().ok());
  EXPECT_FALSE(log.Count(40).ok());
}

}  // namespace
}  // namespace wv::model
