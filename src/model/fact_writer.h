#ifndef WV_MODEL_FACT_WRITER_H_
#define WV_MODEL_FACT_WRITER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "core/mutex.h"
#include "core/parallel.h"
#include "core/status.h"
#include "io/output_store.h"
#include "model/build_stats.h"
#include "model/table_files.h"
#include "parquet/writer.h"
#include "traces/trace_batch.h"

// FactWriter: streams accepted traces into fact_wordviews, Hive-partitioned
// by UTC day (fact_wordviews/date=YYYY-MM-DD/part-NNNNN.parquet). Rows are
// routed to a per-day buffer; a full buffer becomes one row group, encoded on
// a wv::ThreadPool while the caller goes on, and profiled on the way (see
// FactProfile). Every job is a row group of its own in its day's file (a
// day flushed early gives a smaller one; no file keeps a partial row group).
// Memory: max_buffered_rows over all open days plus max_rows_in_flight being
// encoded (about kFactBytesPerRow each), never the table.
//
// Thread-safety: Append() and Finish() are called from one thread (the
// producer). Internally, a day's jobs run one at a time and in order on the
// pool (its file moves between pool threads with the job); the job queues,
// the profile and the first error are guarded by mu_.
namespace wv::model {

struct FactWriterOptions {
  parquet::WriterOptions writer;  // compression etc.; row_group_rows is overridden
  int64_t row_group_rows = 1 << 20;
  // Rows buffered over all open days; beyond it the fullest day is handed to
  // the file early (the file's writer keeps them until its row group is
  // full), so many open days cannot exhaust memory. About 150 bytes a row.
  int64_t max_buffered_rows = 1 << 20;
  // Rows in the jobs submitted and not finished (being encoded: about
  // kFactBytesPerRow each); beyond it Submit() waits, though one job may
  // always run. 0: only max_jobs_in_flight bounds them.
  int64_t max_rows_in_flight = 0;
  int64_t max_rows_per_file = 8 * 1024 * 1024;  // a day with more rows gets more files
  int encode_threads = 2;
  int max_jobs_in_flight = 4;  // beyond this Append() waits (back-pressure)
  // Every row's batch_id; files are named `<file_prefix>NNNNN.parquet`
  // (`run --append` names them after the batch, so no earlier file is hit).
  std::string batch_id;
  std::string file_prefix = "part-";
};

// What a row of a row group costs the writer: in its day's buffer (columns
// grown by doubling, so up to twice their ~150 bytes) and again while the
// row group is encoded (the derived and lineage columns, dictionaries,
// pages). Measured on generated traces as the peak RSS against the row group
// size at a fixed duplicate budget (docs/BENCHMARKS.md: ~600 bytes); used to
// size row groups from a memory budget.
inline constexpr int64_t kFactBytesPerRow = 600;

class FactWriter {
 public:
  // `source_names[i]` is the lineage string of TraceBatch::source_file == i.
  // REQUIRES: *store and *ledger outlive the writer.
  FactWriter(io::OutputStore* store, std::vector<std::string> source_names,
             FactWriterOptions options, FileLedger* ledger);
  // Waits for the jobs running (skipping those not started); files not
  // closed by Finish() are abandoned.
  ~FactWriter();
  FactWriter(const FactWriter&) = delete;
  FactWriter& operator=(const FactWriter&) = delete;

  // Routes the batch's rows to their days. An error from an encoding job is
  // returned by the next Append() or Finish().
  Status Append(const traces::TraceBatch& batch) ABSL_LOCKS_EXCLUDED(mu_);

  // Writes the remaining rows, closes every file (an empty table still gets
  // one file) and waits for the pool.
  // REQUIRES: called once, after the last Append().
  Status Finish() ABSL_LOCKS_EXCLUDED(mu_);

  // REQUIRES: after Finish().
  FactProfile profile() const ABSL_LOCKS_EXCLUDED(mu_);
  int64_t rows_written() const ABSL_LOCKS_EXCLUDED(mu_) { return profile().rows; }
  int64_t partitions() const { return static_cast<int64_t>(partitions_.size()); }

 private:
  // One day of the table.
  struct Partition {
    size_t id = 0;    // index into jobs_
    int64_t day = 0;  // days since the epoch
    std::string dir;  // "fact_wordviews/date=YYYY-MM-DD"
    // The producer's rows not yet submitted.
    traces::TraceBatch buffer;
    // Touched only by the job of this partition that is running.
    std::unique_ptr<TableFileWriter> file;
    int file_index = 0;
  };
  struct Job {
    traces::TraceBatch rows;  // empty for a close job
    bool close = false;
  };
  // Whether a job of `rows` rows may be submitted now.
  bool HasRoomFor(int64_t rows) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A partition's submitted jobs: at most one runs at a time, in order.
  struct JobQueue {
    std::deque<Job> pending;
    bool scheduled = false;  // a pool task for the partition is queued or running
  };

  Partition* PartitionFor(int64_t day) ABSL_LOCKS_EXCLUDED(mu_);
  // Hands the partition's buffer (or, with `close`, the closing of its file)
  // to the pool, waiting while max_jobs_in_flight jobs are.
  Status Submit(Partition* p, bool close) ABSL_LOCKS_EXCLUDED(mu_);
  Status FlushFullestPartition() ABSL_LOCKS_EXCLUDED(mu_);
  // How many of the rows of `batch` from `begin` on (at least one) share the
  // day of row `begin` and may be buffered before a flush is due: the row that
  // fills the day's row group (holding `buffered_of_day` rows) or takes the
  // buffered rows past max_buffered_rows is the last taken.
  size_t RowsBeforeFlush(const traces::TraceBatch& batch, size_t begin, int64_t day,
                         size_t buffered_of_day) const;
  // Gives the empty buffer of `p` a spare's memory, if there is one.
  void StartBuffer(Partition* p) ABSL_LOCKS_EXCLUDED(mu_);
  // A pool task: runs the partition's next job, then schedules itself again
  // if more are pending.
  void RunNextJob(Partition* p) ABSL_LOCKS_EXCLUDED(mu_);
  // Schedules RunNextJob(p); if the pool refuses, fails p's pending jobs.
  void ScheduleNextJob(Partition* p) ABSL_LOCKS_EXCLUDED(mu_);
  Status RunJob(Partition* p, Job& job, FactProfile* profile);
  Status EncodeRows(Partition* p, traces::TraceBatch& rows, FactProfile* profile);
  Status WaitForJobs() ABSL_LOCKS_EXCLUDED(mu_);

  static constexpr size_t kMaxSpares = 2;

  io::OutputStore* store_;
  std::vector<std::string> source_names_;
  FactWriterOptions options_;
  FileLedger* ledger_;
  // The producer's: partitions by day, the last one used, the rows buffered.
  absl::flat_hash_map<int64_t, std::unique_ptr<Partition>> partitions_;
  Partition* last_partition_ = nullptr;
  int64_t buffered_rows_ = 0;

  mutable Mutex mu_;
  std::vector<JobQueue> jobs_ ABSL_GUARDED_BY(mu_);  // by Partition::id
  int jobs_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t rows_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;  // the destructor runs: skip the jobs left
  Status first_error_ ABSL_GUARDED_BY(mu_);
  FactProfile profile_ ABSL_GUARDED_BY(mu_);  // merged from the jobs
  // Emptied row buffers (capacity kept), handed back to the partitions so the
  // steady state allocates nothing; at most kMaxSpares (a full buffer holds
  // a row group's worth of memory).
  std::vector<traces::TraceBatch> spare_ ABSL_GUARDED_BY(mu_);

  // Last: destroyed (waiting for its tasks) before the state they use.
  ThreadPool pool_;
};

}  // namespace wv::model

#endif  // WV_MODEL_FACT_WRITER_H_
