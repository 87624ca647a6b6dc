#include <gtest/gtest.h>

#include "model/star_schema.h"
#include "model/users_dimension.h"

namespace wv::model {
namespace {

TEST(UsersAccumulatorTest, IndexesUsersInFirstAppearanceOrder) {
  UsersAccumulator users;
  EXPECT_EQ(users.Index("u:b"), 0u);
  EXPECT_EQ(users.Index("u:a"), 1u);
  EXPECT_EQ(users.Index("u:b"), 0u);
  EXPECT_EQ(users.size(), 2u);
}

TEST(UsersAccumulatorTest, RunsGiveFirstLastSeenViewsAndCourses) {
  UsersAccumulator users;
  const uint32_t a = users.Index("u:a");
  const uint32_t b = users.Index("u:b");
  users.AddRun(a, 200, /*learning=*/0, /*ui=*/1, 3);
  users.AddRun(a, 100, 0, 1, 1);  // earlier, same course
  users.AddRun(b, 150, 0, 1, 2);
  users.AddRun(a, 300, 1, 0, 1);  // a second course
  users.AddRun(a, 301, 0, 1, 1);  // back to the first: not a new course
  const UsersAccumulator::Built built = users.Build({4, 1});
  const TableData& t = built.table;
  ASSERT_EQ(t.rows, 2u);
  EXPECT_EQ(t.columns[kUserId].bytes[0], "u:a");
  EXPECT_EQ(t.columns[kUserFirstSeen].i64[0], int64_t{100} * 1000000);
  EXPECT_EQ(t.columns[kUserLastSeen].i64[0], int64_t{301} * 1000000);
  EXPECT_EQ(t.columns[kUserViews].i64[0], 6);
  EXPECT_EQ(t.columns[kUserCourses].i64[0], 2);
  EXPECT_EQ(t.columns[kUserNumberOfSessions].i64[0], 4);
  EXPECT_EQ(t.columns[kUserViews].i64[1], 2);
  EXPECT_EQ(t.columns[kUserCourses].i64[1], 1);
  EXPECT_EQ(t.columns[kUserNumberOfSessions].i64[1], 1);
  EXPECT_EQ(built.rows_covered, 8);
}

TEST(UsersAccumulatorTest, EmptyBuildsAnEmptyTable) {
  const UsersAccumulator users;
  const UsersAccumulator::Built built = users.Build({});
  EXPECT_EQ(built.table.rows, 0u);
  EXPECT_EQ(built.table.columns.size(), static_cast<size_t>(kNumUsersColumns));
  EXPECT_EQ(built.rows_covered, 0);
}

}  // namespace
}  // namespace wv::model
