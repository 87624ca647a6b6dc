#ifndef WV_MODEL_USERS_DIMENSION_H_
#define WV_MODEL_USERS_DIMENSION_H_

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
// Memory: one entry per user plus one per (user, course).
//
// Thread-compatible: one thread adds; after the last add, the const members
// may be called from several threads at once.
namespace wv::model {

class UsersAccumulator {
 public:
  // The index of `user_id` (0, 1, ... in order of first appearance), added
  // on first sight.
  uint32_t Index(std::string_view user_id);

  // Counts `rows` rows of `user` at `epoch` in the course (learning, ui),
  // given as LangsAccumulator indices.
  // REQUIRES: user was returned by Index().
  void AddRun(uint32_t user, int64_t epoch, uint32_t learning, uint32_t ui, int64_t rows);

  size_t size() const { return stats_.size(); }

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

}  // namespace wv::model

#endif  // WV_MODEL_USERS_DIMENSION_H_
