#ifndef WV_MODEL_STAR_BUILDER_H_
#define WV_MODEL_STAR_BUILDER_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "core/status.h"
#include "io/output_store.h"
#include "model/build_stats.h"
#include "model/dimension_feed.h"
#include "model/fact_writer.h"
#include "model/quarantine_writer.h"
#include "model/table_files.h"
#include "traces/references.h"
#include "traces/trace_batch.h"

// StarSchemaBuilder: turns the stream of validated chunks into the star
// schema. The fact table and the quarantine are written as the chunks arrive
// (fact encoding on a thread pool); the dimensions are accumulated on their
// own thread (DimensionFeed) and built and written at the end, while the
// fact table is finished. What was counted on the way comes back as
// BuildStats, from which src/quality computes the checks.
//
// Thread-safety: Consume() from one thread (chunks in sequence order), then
// Finish() once from the same thread.
namespace wv::model {

// What the builder may hold in memory, and where it spills beyond that
// (run/spill_folder.h; docs/ARCHITECTURE.md, Memory). Zero: no bound.
struct BuildMemory {
  std::string spill_folder;  // the run's own; empty: never spill
  // The fact writer: rows buffered and being encoded.
  int64_t fact_bytes = 0;
  // The session log, beyond which it is sorted on disk (SessionLog).
  int64_t sessions_bytes = 0;
  // The users, beyond which they and their sessions are partitioned on disk
  // (UsersSpill; only with sessions_bytes too).
  int64_t users_bytes = 0;
};

struct BuildOptions {
  parquet::Compression compression = parquet::Compression::kZstd;
  bool delta_binary_packed = false;  // parquet::WriterOptions::delta_binary_packed
  int threads = 2;                   // fact encoding threads
  // Fact row groups: at most this many rows, fewer when fact_memory_bytes is
  // too small for them (see FactOptions in star_builder.cc).
  int64_t fact_row_group_rows = 1 << 20;
  BuildMemory memory;
  // The batch_id of every fact and quarantine row, and the prefix of their
  // file names (see FactWriterOptions).
  std::string batch_id;
  std::string file_prefix = "part-";
  // Called with each dimension table as built from this run's rows, before
  // it is written: `run --append` merges the earlier version's rows into it.
  // Returns kWhole when *data is then the whole table (written as
  // `<table>/part-00000.parquet`), kAdded when it holds only the rows to add
  // beside the earlier version's files, which the new version keeps (written
  // as `<table>/<file_prefix>00000.parquet`, and not at all when it holds no
  // row). May be empty. Called from several threads at once (one table each).
  enum class DimensionRows { kWhole, kAdded };
  std::function<StatusOr<DimensionRows>(std::string_view table, TableData* data)> merge_dimension;
};

struct BuildResult {
  std::vector<TableRecord> tables;  // in kAllTables order
  BuildStats stats;
};

class StarSchemaBuilder {
 public:
  // `source_names[i]` is the lineage string of source_file index i.
  // REQUIRES: *store and *refs outlive the builder.
  StarSchemaBuilder(io::OutputStore* store, std::vector<std::string> source_names,
                    const traces::References* refs, BuildOptions options);
  StarSchemaBuilder(const StarSchemaBuilder&) = delete;
  StarSchemaBuilder& operator=(const StarSchemaBuilder&) = delete;

  Status Consume(traces::ValidatedChunk&& chunk);
  // The same, for a chunk others read meanwhile (they must not change it).
  Status Consume(std::shared_ptr<const traces::ValidatedChunk> chunk);

  // Writes the rest (dimensions, last row groups, footers) and returns what
  // was written and counted. Judging the counts is the caller's business.
  // REQUIRES: called once, after the last Consume().
  StatusOr<BuildResult> Finish();

 private:
  struct DimensionOutputs;

  // The tasks of Finish(), run concurrently on their own threads.
  Status FinishFactAndQuarantine();
  Status WriteUsers(const AccumulatedDimensions& dims, DimensionOutputs* out);
  Status WriteTimes(const AccumulatedDimensions& dims, DimensionOutputs* out);
  std::string DimensionFileName(std::string_view table, bool added) const;
  Status WriteLangsAndWords(const AccumulatedDimensions& dims, DimensionOutputs* out);
  // Writes `data` as the table's file: WriteDimensionSlices of one slice.
  Status WriteDimension(std::string_view table, TableData data, int key_index, DimensionKeys* keys);
  // Writes a dimension table given a slice at a time as its one file: each
  // slice as the merge hook leaves it, the file (the whole table's, or this
  // batch's added rows', DimensionFileName) opened by the first slice that
  // has rows to write or is a whole table's, and the key column (at
  // `key_index`) kept for the uniqueness check; the rest of each slice is
  // freed. `next_slice` fills all of *slice and returns whether another
  // follows; it is called at least once (an empty whole table is still a
  // file).
  Status WriteDimensionSlices(std::string_view table, int key_index,
                              absl::FunctionRef<bool(TableData*)> next_slice, DimensionKeys* keys);
  Status WriteSpilledUsers(SpilledUsersTable& users, DimensionOutputs* out);

  std::vector<TableRecord> TablesFromLedger();
  void CollectStats(const AccumulatedDimensions& dims, DimensionOutputs&& out, BuildResult* result);

  io::OutputStore* store_;
  const traces::References* refs_;
  parquet::WriterOptions writer_options_;
  FileLedger ledger_;
  FactWriter fact_;
  QuarantineWriter quarantine_;
  int64_t input_rows_ = 0;
  std::function<StatusOr<BuildOptions::DimensionRows>(std::string_view table, TableData* data)>
      merge_dimension_;
  std::string file_prefix_;
  int64_t users_bytes_;  // BuildMemory::users_bytes: sizes a spilled dim_users' row groups
  // Under a memory limit (a spill folder): the tables are finished one after
  // another, not at once.
  bool bounded_memory_;
  // Declared last: destroyed (its thread joined) first.
  DimensionFeed dimension_feed_;
};

// Writes the merged dim_users of a spilled users table (UsersSpill) as
// `dim_users/part-00000.parquet`, a batch of rows at a time (the writer cuts
// the row groups as for a table built in memory), recorded in *ledger. What
// StarSchemaBuilder writes when the users spilled, and `wordviews merge`
// (dist/merge.cc) too. Memory: one batch and the table's read buffers.
// Row groups: of as many rows as fit `users_bytes` (the users' share of the
// memory limit; 0: writer_options' own), since the writer buffers one.
Status WriteSpilledUsersFile(SpilledUsersTable& users, io::OutputStore& store,
                             const parquet::WriterOptions& writer_options, int64_t users_bytes,
                             FileLedger* ledger);

}  // namespace wv::model

#endif  // WV_MODEL_STAR_BUILDER_H_
