#ifndef WV_MODEL_STAR_BUILDER_H_
#define WV_MODEL_STAR_BUILDER_H_

#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "io/output_store.h"
#include "model/dimensions.h"
#include "model/fact_writer.h"
#include "model/table_files.h"
#include "model/table_files.h"
#include "quality/checks.h"
#include "traces/trace_batch.h"
#include "traces/trace_schema.h"

// Turns the stream of validated chunks into the star schema: the fact table
// and the quarantine are written as the chunks arrive (fact encoding on a
// thread pool), the dimensions are accumulated on their own thread and
// written at the end, and the quality checks are computed from what was
// counted on the way.
namespace wv::model {

struct BuildOptions {
  parquet::Compression compression = parquet::Compression::kZstd;
  int threads = 2;  // fact encoding threads
  int64_t fact_row_group_rows = 64 * 1024;
};

struct BuildResult {
  int64_t input_rows = 0;
  int64_t fact_rows = 0;        // as counted in the written fact files
  int64_t quarantine_rows = 0;  // as counted in the written quarantine file
  std::array<int64_t, static_cast<int>(traces::RejectReason::kNumReasons)> rejected_by_reason{};
  std::vector<TableRecord> tables;  // in kAllTables order
  std::vector<quality::CheckResult> checks;
  int64_t distinct_users = 0, distinct_sessions = 0;
};

// Consume() from one thread (chunks in sequence order), then Finish() once.
class StarSchemaBuilder {
 public:
  // `source_names[i]` is the lineage string of source_file index i.
  StarSchemaBuilder(io::OutputStore* store, std::vector<std::string> source_names,
                    const traces::References* refs, BuildOptions options);
  ~StarSchemaBuilder();
  StarSchemaBuilder(const StarSchemaBuilder&) = delete;
  StarSchemaBuilder& operator=(const StarSchemaBuilder&) = delete;

  Status Consume(traces::ValidatedChunk&& chunk);

  // Writes the rest (dimensions, last row groups, footers) and runs the
  // quality checks. The caller decides what a failed check means.
  StatusOr<BuildResult> Finish();

 private:
  Status AppendQuarantine(const traces::QuarantineBatch& q);
  Status FlushQuarantine();
  void DimensionLoop();

  io::OutputStore* store_;
  std::vector<std::string> source_names_;
  BuildOptions options_;
  parquet::WriterOptions writer_options_;
  FileLedger ledger_;
  FactWriter fact_;
  DimensionBuilder dims_;
  std::unique_ptr<TableFileWriter> quarantine_file_;
  std::vector<parquet::ColumnVector> quarantine_buffer_;
  size_t quarantine_buffered_ = 0;
  BuildResult result_;

  // Chunks waiting for the dimension thread.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<const traces::ValidatedChunk>> dim_queue_;
  bool dim_done_ = false;
  std::thread dim_thread_;
};

}  // namespace wv::model

#endif  // WV_MODEL_STAR_BUILDER_H_
