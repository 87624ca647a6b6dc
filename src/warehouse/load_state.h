#ifndef WV_WAREHOUSE_LOAD_STATE_H_
#define WV_WAREHOUSE_LOAD_STATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "run/manifest.h"
#include "warehouse/pg_connection.h"

// What a loaded schema remembers of the output version it holds, so that
// `load --append` can tell what a later version of the output added:
//   load_batches  the output's batches (the manifest's "batches"), in order;
//   load_files    every file of every table that is in the tables (path,
//                 CRC-32, rows), as the manifest listed it.
// A full load writes both; `load --append` adds the new batches and files
// and replaces the files of the tables it rewrote, in the transaction that
// applies them. PlanAppend compares them with a newer manifest.
// Pure functions and functions of one connection; thread-compatible.
namespace wv::warehouse {

inline constexpr std::string_view kBatchesTable = "load_batches";
inline constexpr std::string_view kFilesTable = "load_files";

struct LoadedFile {
  std::string table;
  std::string path;
  uint32_t crc32 = 0;
  int64_t rows = 0;
};

struct LoadedState {
  std::vector<std::string> batch_ids;  // oldest first
  std::vector<LoadedFile> files;
};

// The state of `schema`; nullopt when it has no state tables (a schema
// loaded by a version of wordviews that did not write them).
StatusOr<std::optional<LoadedState>> ReadLoadedState(PgConnection& conn, std::string_view schema);

// CREATE TABLE for both state tables (with comments) and the rows of every
// batch and file of `m`: what a full load writes.
std::string CreateStateSql(std::string_view schema, const run::Manifest& m);

// What `load --append` changes to bring a schema holding `state` to `m`.
struct AppendPlan {
  // Tables whose rows are only ever added (their loaded files are all still
  // listed, unchanged): the files to copy into them.
  struct Added {
    std::string table;
    std::vector<model::FileRecord> files;
  };
  std::vector<Added> added;
  // Tables whose files changed (the dimensions a batch merged into): their
  // new rows replace theirs.
  std::vector<std::string> replaced;
  std::vector<run::BatchRecord> new_batches;

  bool empty() const { return added.empty() && replaced.empty() && new_batches.empty(); }
};

// The plan, or a FailedPrecondition-like OutputError saying why `state` is
// not an earlier version of `m` (its batches are not the first of m's, a
// file of an append-only table is gone or changed): the caller then loads
// in full. `append_only` names the tables rows are only added to (the fact
// table and the quarantine); every other table with a changed file list is
// replaced.
StatusOr<AppendPlan> PlanAppend(const LoadedState& state, const run::Manifest& m,
                                const std::vector<std::string>& append_only);

// The statements recording `plan` in the state tables of `schema`: the new
// batches, the added files, the replaced tables' files.
std::string RecordAppendSql(std::string_view schema, const AppendPlan& plan,
                            const run::Manifest& m);

}  // namespace wv::warehouse

#endif  // WV_WAREHOUSE_LOAD_STATE_H_
