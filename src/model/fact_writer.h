#ifndef WV_MODEL_FACT_WRITER_H_
#define WV_MODEL_FACT_WRITER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/status.h"
#include "io/output_store.h"
#include "model/table_files.h"
#include "parquet/writer.h"
#include "traces/trace_batch.h"

// Streams accepted traces into fact_wordviews, Hive-partitioned by UTC day
// (fact_wordviews/date=YYYY-MM-DD/part-NNNNN.parquet). Rows are routed to a
// per-day buffer; a full buffer becomes one row group, encoded by a small pool
// of threads while the caller goes on. Memory is bounded by (open days x one
// row group) plus the jobs in flight, never by the table.
namespace wv::model {

// Counts over every fact row written: the inputs of the "no NULLs" and
// "value domains" quality checks and of the p_recall anomaly.
struct FactProfile {
  int64_t rows = 0;
  int64_t empty_required_values = 0;  // empty key strings, NaN doubles
  int64_t p_recall_out_of_domain = 0;
  int64_t pct_out_of_domain = 0;          // session_pct or history_pct outside [0, 1]
  int64_t history_pct_null_mismatch = 0;  // NULL iff history_seen == 0 violated
  int64_t counts_out_of_domain = 0;       // delta, seen/correct rules
  int64_t timestamp_out_of_domain = 0;
  int64_t p_recall_disagrees = 0;  // |p_recall - session_correct/session_seen| > tol
  void Merge(const FactProfile& o);
};

// Relative tolerance for p_recall vs session_correct/session_seen.
inline constexpr double kPRecallTolerance = 1e-9;

struct FactWriterOptions {
  parquet::WriterOptions writer;  // compression etc.; row_group_rows is overridden
  int64_t row_group_rows = 64 * 1024;
  // Rows buffered over all open days; beyond it the fullest day is written
  // out early (as a smaller row group), so many open days cannot exhaust
  // memory. About 150 bytes a row.
  int64_t max_buffered_rows = 1024 * 1024;
  int64_t max_rows_per_file = 8 * 1024 * 1024;  // a day with more rows gets more files
  int encode_threads = 2;
  int max_jobs_in_flight = 4;  // beyond this Append() waits (back-pressure)
};

// Append() and Finish() from one thread; encoding happens on internal threads.
class FactWriter {
 public:
  // `source_names[i]` is the lineage string of TraceBatch::source_file == i.
  FactWriter(io::OutputStore* store, std::vector<std::string> source_names,
             FactWriterOptions options, FileLedger* ledger);
  ~FactWriter();
  FactWriter(const FactWriter&) = delete;
  FactWriter& operator=(const FactWriter&) = delete;

  // Routes the batch's rows to their days. An error from an encoding thread
  // is returned by the next Append() or Finish().
  Status Append(const traces::TraceBatch& batch);

  // Writes the remaining rows, closes every file (an empty table still gets
  // one file) and stops the threads.
  // REQUIRES: called once, after the last Append().
  Status Finish();

  // Valid after Finish().
  const FactProfile& profile() const { return profile_; }
  int64_t rows_written() const { return profile_.rows; }
  int64_t partitions() const { return static_cast<int64_t>(partitions_.size()); }

 private:
  struct Partition;
  struct Job {
    Partition* partition;
    traces::TraceBatch rows;
    bool close = false;
  };
  struct Partition {
    int64_t day = 0;
    std::string dir;  // "fact_wordviews/date=YYYY-MM-DD"
    traces::TraceBatch buffer;
    // Touched only by the thread that holds `scheduled`.
    std::unique_ptr<TableFileWriter> file;
    int file_index = 0;
    // Guarded by FactWriter::mu_.
    std::deque<Job> pending;
    bool scheduled = false;
  };

  Partition* PartitionFor(int64_t day);
  Status Submit(Partition* p, bool close);
  Status FlushFullestPartition();
  void WorkerLoop();
  Status RunJob(Job& job, FactProfile* profile);
  Status EncodeRows(Partition* p, traces::TraceBatch& rows, FactProfile* profile);

  io::OutputStore* store_;
  std::vector<std::string> source_names_;
  FactWriterOptions options_;
  FileLedger* ledger_;
  absl::flat_hash_map<int64_t, std::unique_ptr<Partition>> partitions_;
  Partition* last_partition_ = nullptr;
  int64_t buffered_rows_ = 0;

  std::mutex mu_;
  std::condition_variable work_cv_;  // workers wait for ready partitions
  std::condition_variable done_cv_;  // the producer waits for room / completion
  std::deque<Partition*> ready_;
  int jobs_in_flight_ = 0;
  bool stopping_ = false;
  Status first_error_;
  FactProfile profile_;  // merged from workers under mu_
  // Emptied row buffers (capacity kept), handed back to the partitions so the
  // steady state allocates nothing. Guarded by mu_.
  std::vector<traces::TraceBatch> spare_;
  std::vector<std::thread> workers_;
  bool finished_ = false;
};

}  // namespace wv::model

#endif  // WV_MODEL_FACT_WRITER_H_
