#ifndef WV_MODEL_SESSION_LOG_H_
#define WV_MODEL_SESSION_LOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "core/status.h"
#include "traces/external_sort.h"

// SessionLog: the sessions (user, epoch) of the accepted rows and the word of
// each row, logged in runs of adjacent rows of one session, from which the
// distinct sessions per user (dim_users.number_of_sessions) and the
// natural-key collisions (rows repeating an earlier (user_id, epoch,
// lexeme_id)) are counted at the end. Sequential appends, 8 bytes a run plus
// 4 a row, in blocks to avoid large reallocations: no hash table of sessions
// is needed (they are counted by a sort), and repeats inside a run are
// counted on the fly.
//
// Bounded memory: given a spill folder and a budget, a log that outgrows the
// budget becomes an external sort (traces/external_sort.h) of one record per
// row, (session, word), in sorted runs of half the budget in the spill
// folder. Count() then merges the runs: a session is counted at its first
// record, a collision is a record equal to the one before. The counts are
// the in-memory path's exactly (the same definitions, counted another way),
// and sorted runs are the state that shards of the input could merge (the
// user index is the run's own, though: see docs/ARCHITECTURE.md, Memory).
//
// Thread-compatible: one thread adds, then one calls Count().
namespace wv::model {

// Where and when a SessionLog spills. Empty folder or zero bytes: never.
struct SessionLogSpill {
  std::string folder;
  size_t memory_bytes = 0;
  std::string name = "sessions";  // the sorted runs' file names (ExternalSorter)
};

class SessionLog {
 public:
  SessionLog() = default;
  explicit SessionLog(SessionLogSpill spill) : spill_(std::move(spill)) {}

  // Logs a run of adjacent rows of one session of `user` at `epoch`, with
  // the word index of each row. An error while spilling (a full disk) is
  // kept: status() returns it, and later runs are not logged.
  // REQUIRES: epoch is within the validated range [2000, 2100) (its offset
  // from 2000 fits in 32 bits); words is not empty.
  void AddRun(uint32_t user, int64_t epoch, const std::vector<uint32_t>& words);

  // The first error of AddRun, or OK.
  const Status& status() const { return status_; }
  bool spilled() const { return sorter_ != nullptr; }
  const SessionLogSpill& spill() const { return spill_; }

  struct Counts {
    std::vector<int64_t> sessions_per_user;  // by user index
    int64_t distinct_sessions = 0;
    int64_t natural_key_collisions = 0;
  };
  // Hands every logged row back, a run of one session at a time
  // (fn(user, epoch, words), words not empty; in log order, or by session
  // once spilled), and empties the log: the users spill (model/users_spill.h)
  // takes the sessions over. An error is the spilled runs' (reading them).
  // REQUIRES: status() is OK; not after Count().
  Status Drain(
      absl::FunctionRef<void(uint32_t user, int64_t epoch, const std::vector<uint32_t>& words)> fn);

  // Sorts the runs (on two threads) to count sessions; recounts the
  // sessions whose rows are not all adjacent from all their rows. A spilled
  // log is merged from disk instead.
  // REQUIRES: every user logged is < num_users; called once, after the last
  // AddRun().
  StatusOr<Counts> Count(size_t num_users);

 private:
  static constexpr uint32_t kRunStart = 0x80000000u;  // set on the first row of a run

  // One row of a spilled log; sorted by (session, word), so the order is
  // the same whatever the runs' boundaries.
  struct Row {
    uint64_t session = 0;  // user << 32 | epoch offset
    uint32_t word = 0;
    uint32_t zero = 0;  // padding, written as 0
  };
  struct RowLess {
    bool operator()(const Row& a, const Row& b) const {
      return a.session != b.session ? a.session < b.session : a.word < b.word;
    }
  };
  using Sorter = traces::ExternalSorter<Row, RowLess>;

  size_t LoggedBytes() const;
  // Moves the logged runs into a new sorter and frees the logs.
  Status StartSpilling();
  StatusOr<Counts> CountSpilled(size_t num_users);
  Counts CountInMemory(size_t num_users) const;
  int64_t CountSplitSessionCollisions(const std::vector<uint64_t>& split_sessions) const;

  SessionLogSpill spill_;
  Status status_;
  std::unique_ptr<Sorter> sorter_;  // non-null once spilled
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
