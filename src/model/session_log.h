#ifndef WV_MODEL_SESSION_LOG_H_
#define WV_MODEL_SESSION_LOG_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"

// SessionLog: the sessions (user, epoch) of the accepted rows and the word of
// each row, logged in runs of adjacent rows of one session, from which the
// distinct sessions per user (dim_users.number_of_sessions) and the
// natural-key collisions (rows repeating an earlier (user_id, epoch,
// lexeme_id)) are counted at the end. Sequential appends, 8 bytes a run plus
// 4 a row, in blocks to avoid large reallocations: no hash table of sessions
// is needed (they are counted by a sort), and repeats inside a run are
// counted on the fly.
//
// Thread-compatible: one thread adds; Count() is const.
namespace wv::model {

class SessionLog {
 public:
  // Logs a run of adjacent rows of one session of `user` at `epoch`, with
  // the word index of each row.
  // REQUIRES: epoch is within the validated range [2000, 2100) (its offset
  // from 2000 fits in 32 bits); words is not empty.
  void AddRun(uint32_t user, int64_t epoch, const std::vector<uint32_t>& words);

  struct Counts {
    std::vector<int64_t> sessions_per_user;  // by user index
    int64_t distinct_sessions = 0;
    int64_t natural_key_collisions = 0;
  };
  // Sorts the runs (on two threads) to count sessions; recounts the
  // sessions whose rows are not all adjacent from all their rows.
  // REQUIRES: every user logged is < num_users.
  Counts Count(size_t num_users) const;

 private:
  static constexpr uint32_t kRunStart = 0x80000000u;  // set on the first row of a run

  int64_t CountSplitSessionCollisions(const std::vector<uint64_t>& split_sessions) const;

  // One entry per run (user << 32 | epoch offset) and one per row (word
  // index, kRunStart on a run's first row).
  std::vector<std::vector<uint64_t>> run_log_;
  std::vector<std::vector<uint32_t>> word_log_;
  // Repeats found inside runs: in total and for the sessions with any (so
  // that sessions recounted from all their rows can take them out).
  int64_t run_collisions_ = 0;
  absl::flat_hash_map<uint64_t, int64_t> run_collisions_by_session_;
};

}  // namespace wv::model

#endif  // WV_MODEL_SESSION_LOG_H_
