#ifndef WV_MODEL_QUARANTINE_WRITER_H_
#define WV_MODEL_QUARANTINE_WRITER_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/output_store.h"
#include "model/table_files.h"
#include "parquet/column_vector.h"
#include "parquet/writer.h"
#include "traces/trace_batch.h"
#include "traces/trace_schema.h"

// QuarantineWriter: streams the rejected rows into quarantine/part-00000.parquet
// (one row group per 64 Ki rows) with their lineage, reason and detail (made
// valid UTF-8; the raw line is kept as bytes), and counts them by reason.
//
// Thread-compatible: one thread at a time.
namespace wv::model {

class QuarantineWriter {
 public:
  using ReasonCounts = std::array<int64_t, static_cast<int>(traces::RejectReason::kNumReasons)>;

  // `source_names[i]` is the lineage string of source_file index i.
  // REQUIRES: *store and *ledger outlive the writer.
  // Every row gets `batch_id`; the file is `quarantine/<file_prefix>00000.parquet`.
  QuarantineWriter(io::OutputStore* store, std::vector<std::string> source_names,
                   parquet::WriterOptions options, FileLedger* ledger, std::string batch_id = "",
                   std::string file_prefix = "part-");

  Status Append(const traces::QuarantineBatch& rows);

  // Writes the last row group and closes the file (an empty quarantine still
  // gets its file). REQUIRES: called once, after the last Append().
  Status Finish();

  const ReasonCounts& rejected_by_reason() const { return rejected_by_reason_; }

 private:
  Status Flush();

  io::OutputStore* store_;
  std::vector<std::string> source_names_;
  parquet::WriterOptions options_;
  FileLedger* ledger_;
  std::string batch_id_;
  std::string file_prefix_;
  std::unique_ptr<TableFileWriter> file_;  // opened by the first Flush()
  std::vector<parquet::ColumnVector> buffer_;
  size_t buffered_ = 0;
  ReasonCounts rejected_by_reason_{};
};

}  // namespace wv::model

#endif  // WV_MODEL_QUARANTINE_WRITER_H_
