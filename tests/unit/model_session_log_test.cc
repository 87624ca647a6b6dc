#include <gtest/gtest.h>

#include "model/session_log.h"

namespace wv::model {
namespace {

constexpr int64_t kT = 1362076100;

TEST(SessionLogTest, CountsDistinctSessionsPerUser) {
  SessionLog log;
  log.AddRun(0, kT, {1, 2});
  log.AddRun(1, kT, {1});
  log.AddRun(0, kT + 1, {3});
  log.AddRun(0, kT, {4});  // session (0, kT) again, not adjacent
  const SessionLog::Counts c = log.Count(2);
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
  const SessionLog::Counts c = log.Count(3);
  EXPECT_EQ(c.natural_key_collisions, 4);
  EXPECT_EQ(c.distinct_sessions, 3);
  EXPECT_EQ(c.sessions_per_user[0], 1);
}

TEST(SessionLogTest, EmptyLog) {
  const SessionLog log;
  const SessionLog::Counts c = log.Count(0);
  EXPECT_EQ(c.distinct_sessions, 0);
  EXPECT_EQ(c.natural_key_collisions, 0);
}

}  // namespace
}  // namespace wv::model
