#include "model/users_dimension.h"

#include <algorithm>

#include "model/star_schema.h"

namespace wv::model {

uint32_t UsersAccumulator::IndexHashed(std::string_view user_id, uint64_t hash) {
  bool inserted = false;
  const uint32_t user = index_.InternHashed(user_id, hash, &inserted);
  if (inserted) {
    names_.push_back(user_id);
    stats_.emplace_back();
  }
  return user;
}

void UsersAccumulator::AddSeen(UserStats& u, int64_t first_seen, int64_t last_seen, int64_t views) {
  if (u.views == 0) {
    u.first_seen = first_seen;
    u.last_seen = last_seen;
  } else {
    u.first_seen = std::min(u.first_seen, first_seen);
    u.last_seen = std::max(u.last_seen, last_seen);
  }
  u.views += views;
}

void UsersAccumulator::AddRun(uint32_t user, int64_t epoch, uint32_t learning, uint32_t ui,
                              int64_t rows) {
  UserStats& u = stats_[user];
  AddSeen(u, epoch, epoch, rows);
  const uint64_t course = (static_cast<uint64_t>(user) << 32) | (uint64_t{learning} << 16) | ui;
  if (course != last_course_) {
    if (courses_.insert(course).second) ++u.courses;
    last_course_ = course;
  }
}

void UsersAccumulator::AddStats(uint32_t user, int64_t first_seen, int64_t last_seen,
                                int64_t views) {
  AddSeen(stats_[user], first_seen, last_seen, views);
}

void UsersAccumulator::AddCourse(uint32_t user, uint32_t learning, uint32_t ui) {
  const uint64_t course = (static_cast<uint64_t>(user) << 32) | (uint64_t{learning} << 16) | ui;
  if (courses_.insert(course).second) ++stats_[user].courses;
}

UsersAccumulator::Built UsersAccumulator::Build(
    const std::vector<int64_t>& sessions_per_user) const {
  Built b;
  TableData& t = b.table;
  t.columns.resize(kNumUsersColumns);
  t.rows = stats_.size();
  t.columns[kUserId].bytes = names_;
  for (size_t i = 0; i < stats_.size(); ++i) {
    const UserStats& u = stats_[i];
    t.columns[kUserNumberOfSessions].i64.push_back(sessions_per_user[i]);
    t.columns[kUserFirstSeen].i64.push_back(u.first_seen * 1000000);
    t.columns[kUserLastSeen].i64.push_back(u.last_seen * 1000000);
    t.columns[kUserViews].i64.push_back(u.views);
    t.columns[kUserCourses].i64.push_back(u.courses);
    b.rows_covered += u.views;
  }
  return b;
}

}  // namespace wv::model
