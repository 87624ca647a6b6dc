#ifndef WV_MODEL_USERS_SPILL_H_
#define WV_MODEL_USERS_SPILL_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/session_log.h"
#include "model/table_data.h"
#include "model/users_dimension.h"
#include "traces/spill_file.h"

// UsersSpill: the users dimension (and the sessions it counts) hash-
// partitioned on disk, for when the users outgrow their memory budget
// (docs/ARCHITECTURE.md, Memory). The dimension builder hands it its users
// so far once (Start: a state record per user, and every row of the session
// log), then every later run of rows (AddRun). Each record goes to the
// partition of its user id's hash, so all of a user's rows meet in one
// partition, in input order; each carries its first-appearance key (the
// in-memory index for the users handed over, then the number of the run),
// which orders the table.
//
// Finish() replays each partition through its own UsersAccumulator and
// SessionLog, exactly as the in-memory path adds them, so every user's row
// and the session counts are the in-memory ones; each partition's built rows
// are written in key order, and SpilledUsersTable merges the partitions by
// key into dim_users' rows in the in-memory order, a batch at a time.
// Memory: a write buffer per partition while adding; one partition's users
// and session log while finishing (1/kPartitions of the users each); a read
// buffer per partition while merging.
//
// Not thread-safe: one thread adds and finishes; the table is read by one
// thread.
namespace wv::model {

// The merged dim_users, read a batch of rows at a time.
class SpilledUsersTable {
 public:
  // Up to `max_rows` next rows of dim_users into *batch (columns as the
  // contract's); false once all are read. An error is reading a partition.
  StatusOr<bool> Next(size_t max_rows, TableData* batch);

  // Known once Finish() returned the table.
  int64_t users() const { return users_; }
  int64_t rows_covered() const { return rows_covered_; }  // the users' views
  // dim_users.user_id keys repeated within a partition (a key's partition is
  // its hash's, so that is repeated anywhere): counted from the built rows.
  int64_t repeated_keys() const { return repeated_keys_; }

 private:
  friend class UsersSpill;
  struct Head {
    uint64_t key;
    size_t source;
  };
  Status Advance(size_t source);

  std::vector<std::unique_ptr<traces::SpillReader>> sources_;
  // The current row of each source: its fixed part and its user id.
  struct Row {
    uint64_t key = 0;
    int64_t sessions = 0, first_seen = 0, last_seen = 0, views = 0, courses = 0;
    uint32_t id_length = 0, zero = 0;
  };
  std::vector<Row> rows_;
  std::vector<std::string> ids_;
  std::vector<Head> heap_;  // a min-heap by key
  int64_t users_ = 0, rows_covered_ = 0, repeated_keys_ = 0;
};

class UsersSpill {
 public:
  static constexpr size_t kPartitions = 256;

  // Partition files go into `folder` (the run's spill folder); a partition's
  // session log spills past `partition_sessions_bytes` (0: never).
  UsersSpill(std::string folder, size_t partition_sessions_bytes);

  // Hands over the users and the session log so far (the log is emptied).
  // REQUIRES: called once, before AddRun; `users` indexes the log's users.
  Status Start(const UsersAccumulator& users, SessionLog* sessions);

  // A run of rows of `user_id` at `epoch` in the course (learning, ui), a
  // word index per row (not empty).
  Status AddRun(std::string_view user_id, int64_t epoch, uint32_t learning, uint32_t ui,
                const std::vector<uint32_t>& words);

  struct Result {
    std::unique_ptr<SpilledUsersTable> table;
    int64_t distinct_sessions = 0;
    int64_t natural_key_collisions = 0;
  };
  // Replays the partitions and opens the merged table.
  // REQUIRES: called once, after the last AddRun.
  StatusOr<Result> Finish() &&;

 private:
  // A record of a partition file: this header, the user id, then `count`
  // u32s (the courses of a state, the words of a run).
  enum Kind : uint8_t { kState = 0, kRun = 1, kSessionRun = 2 };
  struct Header {
    uint8_t kind = 0;
    uint8_t zero = 0;
    uint16_t id_length = 0;
    uint32_t count = 0;
    uint64_t key = 0;  // first-appearance key (kState, kRun)
    int64_t a = 0;     // kState: first seen; runs: epoch
    int64_t b = 0;     // kState: last seen; kRun: learning << 16 | ui
    int64_t c = 0;     // kState: views
  };
  static size_t PartitionOf(std::string_view user_id);
  Status Write(std::string_view user_id, const Header& h, const uint32_t* values);
  Status ReplayPartition(size_t p, Result* result, SpilledUsersTable* table);
  Status ReadPartition(size_t p, UsersAccumulator* users, SessionLog* sessions,
                       std::vector<uint64_t>* keys);
  Status WriteBuilt(size_t p, const TableData& built, const std::vector<uint64_t>& keys,
                    SpilledUsersTable* table);

  std::string folder_;
  size_t partition_sessions_bytes_;
  std::vector<std::unique_ptr<traces::SpillWriter>> writers_;
  uint64_t next_key_ = 0;
  std::vector<uint32_t> scratch_;
};

}  // namespace wv::model

#endif  // WV_MODEL_USERS_SPILL_H_
