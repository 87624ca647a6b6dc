#include "model/quarantine_writer.h"

#include "core/utf8.h"
#include "fmt/core.h"
#include "model/star_schema.h"

namespace wv::model {
namespace {

constexpr size_t kQuarantineRowGroupRows = 64 * 1024;

}  // namespace

QuarantineWriter::QuarantineWriter(io::OutputStore* store, std::vector<std::string> source_names,
                                   parquet::WriterOptions options, FileLedger* ledger,
                                   std::string batch_id, std::string file_prefix)
    : store_(store),
      source_names_(std::move(source_names)),
      options_(std::move(options)),
      ledger_(ledger),
      batch_id_(std::move(batch_id)),
      file_prefix_(std::move(file_prefix)),
      buffer_(MakeColumns(QuarantineSchema())) {}

Status QuarantineWriter::Append(const traces::QuarantineBatch& q) {
  auto& c = buffer_;
  for (size_t i = 0; i < q.size(); ++i) {
    const uint32_t f = q.source_file[i];
    c[kQuarantineSourceFile].bytes.push_back(
        f < source_names_.size() ? std::string_view(source_names_[f]) : std::string_view());
    c[kQuarantineLineNumber].i64.push_back(q.line_number[i]);
    const int reason = static_cast<int>(q.reason[i]);
    if (reason >= 0 && reason < static_cast<int>(traces::RejectReason::kNumReasons)) {
      ++rejected_by_reason_[reason];
    }
    c[kQuarantineReason].bytes.push_back(traces::RejectReasonName(q.reason[i]));
    c[kQuarantineDetail].bytes.push_back(ToValidUtf8(q.detail[i]));
    c[kQuarantineRawLine].bytes.push_back(q.raw_line[i]);
    c[kQuarantineBatchId].bytes.push_back(batch_id_);
    if (++buffered_ >= kQuarantineRowGroupRows) WV_RETURN_IF_ERROR(Flush());
  }
  return OkStatus();
}

Status QuarantineWriter::Flush() {
  if (file_ == nullptr) {
    WV_ASSIGN_OR_RETURN(
        file_, TableFileWriter::Open(
                   *store_, fmt::format("{}/{}00000.parquet", kQuarantineTable, file_prefix_),
                   QuarantineSchema(), options_, ledger_));
  }
  if (buffered_ > 0) WV_RETURN_IF_ERROR(file_->WriteBatch(buffer_, buffered_));
  for (auto& col : buffer_) col.clear();
  buffered_ = 0;
  return OkStatus();
}

Status QuarantineWriter::Finish() {
  WV_RETURN_IF_ERROR(Flush());
  return file_->Close();
}

}  // namespace wv::model
