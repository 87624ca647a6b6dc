#ifndef WV_MODEL_USERS_DIMENSION_H_
#define WV_MODEL_USERS_DIMENSION_H_

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "core/string_dictionary.h"
#include "model/table_data.h"
#include "parquet/column_vector.h"

// UsersAccumulator: the rows of dim_users, one per distinct user_id in order
// of first appearance, accumulated run by run (a run is adjacent rows of one
// user at one timestamp in one course): first and last seen, views, courses.
// The sessions per user come from the SessionLog, which sees every run.
// Memory: one entry per user plus one per (user, course), about
// kBytesPerUser a user with what its table costs when built: past a budget
// the users spill (model/users_spill.h), which folds partial states of a
// user (AddStats, AddCourse) into the same row.
//
// Thread-compatible: one thread adds; after the last add, the const members
// may be called from several threads at once.
namespace wv::model {

class UsersAccumulator {
 public:
  // The index of `user_id` (0, 1, ... in order of first appearance), added
  // on first sight.
  uint32_t Index(std::string_view user_id) { return IndexHashed(user_id, HashId(user_id)); }
  // As Index, with hash = HashId(user_id) computed by the caller, who may
  // have called PrefetchSlot(hash) some runs earlier and PrefetchEntry(hash)
  // a few runs earlier (the users interleave: each run is a cache miss in
  // the dictionary, the id, the stats and the courses otherwise).
  uint32_t IndexHashed(std::string_view user_id, uint64_t hash);
  static uint64_t HashId(std::string_view user_id) { return StringDictionary::Hash(user_id); }
  void PrefetchSlot(uint64_t hash) const { index_.Prefetch(hash); }
  // REQUIRES: PrefetchSlot(hash) was called (else this waits on the slot).
  void PrefetchEntry(uint64_t hash) const {
    const uint32_t user = index_.PrefetchProbable(hash);
    if (user != UINT32_MAX) __builtin_prefetch(&stats_[user]);
  }
  // Prefetches what AddRun(user, ...) reads. REQUIRES: user < size().
  void PrefetchStats(uint32_t user) const { __builtin_prefetch(&stats_[user]); }

  // Counts `rows` rows of `user` at `epoch` in the course (learning, ui),
  // given as LangsAccumulator indices.
  // REQUIRES: user was returned by Index().
  void AddRun(uint32_t user, int64_t epoch, uint32_t learning, uint32_t ui, int64_t rows);

  // Folds an earlier partial state of `user` (its first and last seen, in
  // epoch seconds, and views) into its row, as AddRun would have.
  // REQUIRES: user was returned by Index(); views > 0.
  void AddStats(uint32_t user, int64_t first_seen, int64_t last_seen, int64_t views);
  // Counts the course (learning, ui) for `user` unless already counted.
  // REQUIRES: user was returned by Index().
  void AddCourse(uint32_t user, uint32_t learning, uint32_t ui);

  size_t size() const { return stats_.size(); }

  // What one user costs, measured roughly (docs/ARCHITECTURE.md, Memory):
  // the dictionary slot and id, the id again in names_, the stats, a course,
  // the sessions count and the built row with its key check.
  static constexpr size_t kBytesPerUser = 160;
  size_t MemoryBytes() const { return size() * kBytesPerUser; }

  // A user's partial state, for spilling (model/users_spill.h).
  struct UserState {
    std::string_view user_id;
    int64_t first_seen = 0, last_seen = 0, views = 0;
    std::vector<uint32_t> courses;  // learning << 16 | ui, ascending
  };
  // Calls fn(index, state) for every user in index order.
  template <typename Fn>
  void ForEachUser(Fn&& fn) const;

  struct Built {
    TableData table;
    int64_t rows_covered = 0;  // fact rows of the emitted users (their views)
  };
  // dim_users, with number_of_sessions from `sessions_per_user` (by index).
  // REQUIRES: sessions_per_user.size() == size().
  Built Build(const std::vector<int64_t>& sessions_per_user) const;

 private:
  struct UserStats {
    int64_t first_seen = 0, last_seen = 0, views = 0, courses = 0;
  };
  void AddSeen(UserStats& u, int64_t first_seen, int64_t last_seen, int64_t views);

  // Looked up once per run of rows: a StringDictionary reads its slot, then
  // the id in one arena (a std::string key would add a heap pointer to chase).
  StringDictionary index_;  // code = the user's index
  parquet::ByteArrayVector names_;
  std::vector<UserStats> stats_;
  absl::flat_hash_set<uint64_t> courses_;  // (user, learning, ui)
  // Rows of one user and one course come together: the set is probed only
  // when the course changes.
  uint64_t last_course_ = UINT64_MAX;
};

template <typename Fn>
void UsersAccumulator::ForEachUser(Fn&& fn) const {
  std::vector<uint64_t> courses(courses_.begin(), courses_.end());
  std::sort(courses.begin(), courses.end());
  size_t c = 0;
  UserState state;
  for (uint32_t i = 0; i < stats_.size(); ++i) {
    const UserStats& u = stats_[i];
    state.user_id = names_[i];
    state.first_seen = u.first_seen;
    state.last_seen = u.last_seen;
    state.views = u.views;
    state.courses.clear();
    for (; c < courses.size() && (courses[c] >> 32) == i; ++c) {
      state.courses.push_back(static_cast<uint32_t>(courses[c]));
    }
    fn(i, state);
  }
}

}  // namespace wv::model

#endif  // WV_MODEL_USERS_DIMENSION_H_
