#include "model/table_files.h"

#include <algorithm>

#include "core/crc32.h"
#include "fmt/core.h"

namespace wv::model {

void FileLedger::Add(FileRecord record) {
  MutexLock lock(&mu_);
  files_.push_back(std::move(record));
}

std::vector<FileRecord> FileLedger::Files() const {
  MutexLock lock(&mu_);
  std::vector<FileRecord> out = files_;
  std::sort(out.begin(), out.end(),
            [](const FileRecord& a, const FileRecord& b) { return a.path < b.path; });
  return out;
}

// Passes bytes on to the store's sink, keeping a running size and CRC.
class ChecksumSink : public io::ByteSink {
 public:
  ChecksumSink(std::unique_ptr<io::ByteSink> inner, std::shared_ptr<TableFileWriter::Totals> totals)
      : inner_(std::move(inner)), totals_(std::move(totals)) {}

  Status Append(std::string_view bytes) override {
    totals_->crc = Crc32(bytes, totals_->crc);
    totals_->bytes += bytes.size();
    return inner_->Append(bytes);
  }
  Status Close() override { return inner_->Close(); }
  uint64_t bytes_written() const override { return totals_->bytes; }

 private:
  std::unique_ptr<io::ByteSink> inner_;
  std::shared_ptr<TableFileWriter::Totals> totals_;
};

StatusOr<std::unique_ptr<TableFileWriter>> TableFileWriter::Open(
    io::OutputStore& store, std::string relative_path, const parquet::Schema& schema,
    const parquet::WriterOptions& options, FileLedger* ledger) {
  std::unique_ptr<TableFileWriter> w(new TableFileWriter());
  w->path_ = store.PublishedName(relative_path);
  w->ledger_ = ledger;
  w->totals_ = std::make_shared<Totals>();
  WV_ASSIGN_OR_RETURN(auto sink, store.Create(relative_path));
  auto checked = std::make_unique<ChecksumSink>(std::move(sink), w->totals_);
  WV_ASSIGN_OR_RETURN(w->writer_, parquet::FileWriter::Open(schema, std::move(checked), options));
  return w;
}

Status TableFileWriter::WriteBatch(const std::vector<parquet::ColumnVector>& columns,
                                   size_t num_rows) {
  Status s = writer_->WriteBatch(columns, num_rows);
  if (!s.ok()) return Annotate(s, fmt::format("writing {}", path_));
  return OkStatus();
}

Status TableFileWriter::WriteRowGroups(const std::vector<parquet::ColumnVector>& columns,
                                       size_t num_rows) {
  Status s = writer_->WriteRowGroups(columns, num_rows);
  if (!s.ok()) return Annotate(s, fmt::format("writing {}", path_));
  return OkStatus();
}

Status TableFileWriter::Close() {
  Status s = writer_->Close();
  if (!s.ok()) return Annotate(s, fmt::format("closing {}", path_));
  if (ledger_ != nullptr) {
    ledger_->Add(FileRecord{path_, writer_->rows_written(), totals_->bytes, totals_->crc});
  }
  return OkStatus();
}

Status WriteTableFile(io::OutputStore& store, std::string relative_path,
                      const parquet::Schema& schema, const parquet::WriterOptions& options,
                      const std::vector<parquet::ColumnVector>& columns, size_t num_rows,
                      FileLedger* ledger) {
  WV_ASSIGN_OR_RETURN(
      auto writer, TableFileWriter::Open(store, std::move(relative_path), schema, options, ledger));
  if (num_rows > 0) WV_RETURN_IF_ERROR(writer->WriteBatch(columns, num_rows));
  return writer->Close();
}

std::vector<parquet::ColumnVector> MakeColumns(const parquet::Schema& schema) {
  return std::vector<parquet::ColumnVector>(schema.columns.size());
}

}  // namespace wv::model
