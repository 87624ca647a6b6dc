#include "model/users_dimension.h"

#include <algorithm>

#include "model/star_schema.h"

namespace wv::model {

uint32_t UsersAccumulator::Index(std::string_view user_id) {
  bool inserted = false;
  const uint32_t user = index_.Intern(user_id, &inserted);
  if (inserted) {
    names_.push_back(user_id);
    stats_.emplace_back();
  }
  return user;
}

void UsersAccumulator::AddRun(uint32_t user, int64_t epoch, uint32_t learning, uint32_t ui,
                              int64_t rows) {
  UserStats& u = stats_[user];
  if (u.views == 0) {
    u.first_seen = u.last_seen = epoch;
  } else {
    u.first_seen = std::min(u.first_seen, epoch);
    u.last_seen = std::max(u.last_seen, epoch);
  }
  u.views += rows;
  const uint64_t course = (static_cast<uint64_t>(user) << 32) | (uint64_t{learning} << 16) | ui;
  if (course != last_course_) {
    if (courses_.insert(course).second) ++u.courses;
    last_course_ = course;
  }
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
