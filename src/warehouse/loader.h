#ifndef WV_WAREHOUSE_LOADER_H_
#define WV_WAREHOUSE_LOADER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

// `wordviews load`: a published output (read through run::OpenVerifiedOutput,
// as `query` reads it) into PostgreSQL, atomically.
//
//  1. Take a session advisory lock for the target schema (one load at a time
//     per schema and database; a second fails at once), end the sessions of
//     an earlier load that was killed, and remove its staging or old schema.
//  2. Stop here if the target already holds this run (same run id), unless
//     `force`.
//  2a. With `append`, when the target holds an earlier version of this
//     output (its state tables, warehouse/load_state.h): apply only what was
//     added, in one transaction on the target (the new fact rows as a
//     partition of their own, built and attached; the changed dimensions
//     merged; the summary tables, metadata and state replaced; the row
//     counts verified), and stop. Otherwise a full load, with a note why.
//  3. Build S_wv_staging: the tables from the contract (no constraints; the
//     fact table partitioned, ddl.h), binary COPY in `jobs` parallel
//     sessions (one COPY per file, one session per table or fact leaf,
//     largest first), then primary keys and indexes (built side by side),
//     foreign keys, ANALYZE, the summary tables (computed by analytics
//     meanwhile), the views, the metadata and state tables, comments and
//     read grants.
//  4. Verify every table's row count against the manifest.
//  5. Swap in one transaction: lock the current version's relations (ACCESS
//     EXCLUSIVE; attempts shorter than the server's deadlock_timeout,
//     repeated for up to `lock_timeout_ms`), rename S to S_wv_old and
//     S_wv_staging to S, commit. Then drop S_wv_old.
//
// What readers see: a statement that started before the swap finishes on the
// old version (the swap waits for it); one that starts during the swap waits
// for it and then reads the new version (PostgreSQL resolves the name again
// after the lock wait); no statement sees a mix, a half-loaded table or an
// error. A failure or a kill at any point before the commit leaves the old
// version as it was; the next load removes what this one left.
namespace wv::warehouse {

struct LoadOptions {
  std::string dir;
  std::string conninfo;  // libpq connection string or URI; may hold a password
  std::string schema = "wordviews";
  int jobs = 0;  // parallel sessions; 0 = one per core
  bool force = false;
  // Load only what the output added since the version the schema holds
  // (`run --append` batches): the new fact and quarantine files and the
  // dimensions that changed, in one transaction on the schema. A full load
  // when the schema holds no earlier version of this output.
  bool append = false;
  std::vector<std::string> read_roles;  // --grant-read
  // The optional secondary indexes to build (their columns,
  // OptionalIndexColumns()); the others are always built. An append builds
  // on its new partition the ones the schema's fact table has.
  std::vector<std::string> indexes;
  int read_statement_timeout_seconds = 300;
  // How long in all the swap (and the drop of the old version) may wait for
  // statements running on the previous version.
  int lock_timeout_ms = 60000;
};

// Where a load is, for progress displays.
struct LoadProgress {
  std::string phase;
  int64_t rows_done = 0;
  int64_t rows_total = 0;
  double elapsed_seconds = 0;
};

struct LoadObserver {
  std::function<void(const std::string& phase)> on_phase;  // a new phase begins
  std::function<void(const LoadProgress&)> on_progress;    // during COPY, throttled by the caller
};

struct LoadResult {
  bool skipped = false;   // the target already held this run
  bool appended = false;  // --append applied the new batches (not a full load)
  int appended_batches = 0;
  std::vector<std::string> replaced_tables;  // by an append: the changed dimensions
  std::string run_id;
  std::string schema;
  std::string database;  // "database D on HOST:PORT as USER"
  std::vector<std::pair<std::string, int64_t>> table_rows;
  std::vector<std::pair<std::string, double>> phase_seconds;
  std::vector<std::string> notes;  // e.g. an old version that could not be dropped yet
  double seconds = 0;
};

StatusOr<LoadResult> LoadIntoPostgres(const LoadOptions& options, const LoadObserver& observer);

}  // namespace wv::warehouse

#endif  // WV_WAREHOUSE_LOADER_H_
