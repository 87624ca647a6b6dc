#ifndef WV_MODEL_DIMENSIONS_H_
#define WV_MODEL_DIMENSIONS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "model/build_stats.h"
#include "model/langs_dimension.h"
#include "model/session_log.h"
#include "model/table_data.h"
#include "model/times_dimension.h"
#include "model/users_dimension.h"
#include "model/users_spill.h"
#include "model/words_dimension.h"
#include "traces/chunk_keys.h"
#include "traces/references.h"
#include "traces/trace_batch.h"

// DimensionBuilder: routes the stream of accepted traces to the four
// dimension accumulators (users, times, langs, words) and the session log.
// Rows of one session are usually adjacent, so it walks each batch in runs
// and handles a run's user, time and course once. A batch's words and users
// come numbered within it (traces::ChunkKeys, by the validating workers):
// each distinct one is looked up in the run-wide dictionaries once per batch,
// and a word whose rows all agree with its first in the batch is counted
// once for all of them. Memory grows with the
// distinct users, sessions, timestamps and words (and 4 bytes a row in the
// session log), not with the bytes of the input; the session log spills
// past its budget (SessionLog), and past theirs the users and their sessions
// move to disk (UsersSpill), hash-partitioned by user id.
//
// Thread-compatible: one thread at a time. In the pipeline the builder is
// owned by StarSchemaBuilder's dimension thread while chunks arrive, then
// moved to the thread that calls Finish(); what Finish() returns is
// immutable, so the four tables can be built on four threads at once.
namespace wv::model {

// The accumulated dimensions after the last row, sessions counted. Every
// member function used on it is const: the tables may be built concurrently
// (a spilled users table is read by the one task that writes dim_users).
struct AccumulatedDimensions {
  int64_t rows = 0;  // fact rows seen
  // Spilled users: dim_users comes from spilled_users, not from `users`
  // (empty), and sessions.sessions_per_user is empty.
  std::unique_ptr<SpilledUsersTable> spilled_users;
  UsersAccumulator users;
  TimesAccumulator times;
  LangsAccumulator langs;
  WordsAccumulator words;
  SessionLog::Counts sessions;

  // REQUIRES: spilled_users is null.
  UsersAccumulator::Built BuildUsers() const { return users.Build(sessions.sessions_per_user); }
  TimesAccumulator::Built BuildTimes() const { return times.Build(); }
  LangsAccumulator::Built BuildLangs(const traces::References& refs) const {
    return langs.Build(*refs.languages);
  }
  WordsAccumulator::Built BuildWords(const traces::References& refs) const {
    return words.Build(*refs.lexemes, langs);
  }
};

// Where and when the builder spills: the session log past
// sessions.memory_bytes, the users past users_bytes (UsersAccumulator::
// MemoryBytes). Empty folder or zero bytes: never.
struct DimensionSpill {
  SessionLogSpill sessions;
  size_t users_bytes = 0;
};

class DimensionBuilder {
 public:
  DimensionBuilder() = default;
  // With a spill folder and budget, the session log spills (SessionLog).
  explicit DimensionBuilder(SessionLogSpill spill) : sessions_(std::move(spill)) {}
  explicit DimensionBuilder(DimensionSpill spill)
      : users_bytes_(spill.users_bytes), sessions_(spill.sessions) {}

  // An error is the session log's, spilling (a full disk).
  Status Add(const traces::TraceBatch& batch) { return Add(batch, nullptr); }
  // As Add(batch), with `keys` computed for it (ComputeChunkKeys) ahead,
  // else (null or not valid) computed here.
  Status Add(const traces::TraceBatch& batch, const traces::ChunkKeys* keys);

  // Fact rows seen by Add().
  int64_t rows() const { return rows_; }

  // Counts the sessions and hands the accumulators over.
  // REQUIRES: after the last Add(); the builder is not used afterwards.
  StatusOr<AccumulatedDimensions> Finish() &&;

 private:
  // The index of the previous run's key, kept with the key so that a run of
  // the same user or language needs no hash lookup.
  struct LastKey {
    std::string key;
    uint32_t index = UINT32_MAX;
  };
  // last->index if `key` is last->key, else lookup() (then remembered).
  template <typename Lookup>
  static uint32_t CachedIndex(std::string_view key, LastKey* last, Lookup&& lookup);

  // Prefetches what run `run` + a few will look up.
  void PrefetchAhead(const traces::TraceBatch& b, const traces::ChunkKeys& keys, size_t run) const;
  // Adds run `run` of `b` (rows keys.run_starts[run] to [run + 1]), one run
  // of a session.
  void AddRun(const traces::TraceBatch& b, const traces::ChunkKeys& keys, size_t run);
  // The words of the run's rows [begin, end) into run_words_.
  void AddRunWords(const traces::TraceBatch& b, const traces::ChunkKeys& keys, size_t begin,
                   size_t end, uint32_t learning);
  // Moves the users and the session log to a UsersSpill.
  Status StartSpillingUsers();

  int64_t rows_ = 0;
  size_t users_bytes_ = 0;                   // 0: the users never spill
  Status status_;                            // the users spill's first error
  std::unique_ptr<UsersSpill> users_spill_;  // non-null once the users spilled
  UsersAccumulator users_;
  TimesAccumulator times_;
  LangsAccumulator langs_;
  WordsAccumulator words_;
  SessionLog sessions_;
  LastKey last_learning_, last_ui_;
  std::vector<uint32_t> run_words_;  // scratch: the word of each row of the run
  // Scratch of the batch being added: its keys when it came without them;
  // the run-wide index of each of its words and users by local code
  // (UINT32_MAX until its first row or run is added).
  traces::ChunkKeys own_keys_;
  std::vector<uint32_t> word_index_, user_index_;
};

}  // namespace wv::model

#endif  // WV_MODEL_DIMENSIONS_H_
