#include "traces/in_order_stage.h"

#include <utility>

#include "core/terminal_text.h"
#include "fmt/core.h"

namespace wv::traces {
namespace {

// Keeps the elements of `column` whose `keep` flag is set.
template <typename T>
void Compact(std::vector<T>& column, const std::vector<uint8_t>& keep) {
  size_t out = 0;
  for (size_t i = 0; i < column.size(); ++i) {
    if (keep[i]) column[out++] = column[i];
  }
  column.resize(out);
}
void Compact(parquet::ByteArrayVector& column, const std::vector<uint8_t>& keep) {
  parquet::ByteArrayVector kept;
  kept.reserve(column.size(), column.data.size());
  for (size_t i = 0; i < column.size(); ++i) {
    if (keep[i]) kept.push_back(column[i]);
  }
  column = std::move(kept);
}

}  // namespace

InOrderStage::InOrderStage(const std::vector<std::string>& paths, const Consume& consume,
                           const Progress& progress, const std::atomic<uint64_t>* stored_bytes_read,
                           std::optional<uint64_t> stored_bytes_total, size_t expected_rows,
                           IngestStats* stats)
    : paths_(paths),
      consume_(consume),
      progress_(progress),
      stored_bytes_read_(stored_bytes_read),
      stored_bytes_total_(stored_bytes_total),
      stats_(stats),
      lines_(paths.size()) {
  // Every file has its header line, whether or not a chunk of it follows.
  for (IngestFileStats& file : stats_->files) file.physical_lines = 1;
  duplicates_.Reserve(expected_rows);
}

Status InOrderStage::Finish(ChunkInFlight& chunk) {
  NumberLines(chunk);
  lines_.Reach(chunk.file, [this](uint32_t f) { return stats_->files[f].physical_lines; });
  TraceBatch& accepted = chunk.validated.accepted;
  found_.clear();
  duplicates_.Check(chunk.dedup.fingerprints, lines_.start(chunk.file), accepted.line_number,
                    &found_);
  if (!found_.empty()) QuarantineDuplicates(found_, chunk);  // rare
  CountRows(chunk.validated);
  const ValidatedChunk& validated = chunk.validated;
  if (validated.accepted.size() + validated.rejected.size() != validated.input_rows) {
    return InternalError(fmt::format("{}: chunk {} lost rows",
                                     EscapeForTerminal(paths_[chunk.file]), validated.sequence));
  }
  WV_RETURN_IF_ERROR(consume_(std::move(chunk.validated)));
  ReportProgress();
  return OkStatus();
}

void InOrderStage::NumberLines(ChunkInFlight& chunk) {
  IngestFileStats& file = stats_->files[chunk.file];
  // The chunk's first line follows the lines of the file so far.
  const int64_t first_line = 1 + static_cast<int64_t>(file.physical_lines);
  for (auto& line : chunk.validated.accepted.line_number) line += first_line;
  for (auto& line : chunk.validated.rejected.line_number) line += first_line;
  file.physical_lines += chunk.dedup.physical_lines;
}

std::string InOrderStage::DuplicateDetail(uint32_t first_line) const {
  if (first_line == 0) return "duplicate of an earlier row";
  const RunLineNumbers::FileLine first = lines_.Locate(first_line);
  return fmt::format("duplicate of line {} in {}", first.line, paths_[first.file]);
}

void InOrderStage::QuarantineDuplicates(const std::vector<DuplicateDetector::Duplicate>& duplicates,
                                        ChunkInFlight& chunk) const {
  TraceBatch& accepted = chunk.validated.accepted;
  QuarantineBatch& rejected = chunk.validated.rejected;
  const std::string_view raw = chunk.raw->view();
  // Merge the duplicates into the rejected rows by line number (a row has
  // one line number, so no two are equal).
  QuarantineBatch merged;
  size_t r = 0;
  for (const DuplicateDetector::Duplicate& duplicate : duplicates) {
    const int64_t line = accepted.line_number[duplicate.row];
    for (; r < rejected.size() && rejected.line_number[r] < line; ++r) merged.AddRowOf(rejected, r);
    merged.Add(
        chunk.file, line, RejectReason::kDuplicate, DuplicateDetail(duplicate.first_line),
        raw.substr(chunk.dedup.raw_offset[duplicate.row], chunk.dedup.raw_length[duplicate.row]));
  }
  for (; r < rejected.size(); ++r) merged.AddRowOf(rejected, r);
  rejected = std::move(merged);

  std::vector<uint8_t> keep(accepted.size(), 1);
  for (const DuplicateDetector::Duplicate& duplicate : duplicates) keep[duplicate.row] = 0;
  ForEachColumn(accepted, [&keep](auto& column) { Compact(column, keep); });
}

void InOrderStage::CountRows(const ValidatedChunk& chunk) {
  stats_->files[chunk.source_file].rows += chunk.input_rows;
  stats_->files[chunk.source_file].blank_lines += chunk.blank_lines;
  stats_->input_rows += chunk.input_rows;
  stats_->blank_lines += chunk.blank_lines;
  stats_->accepted += chunk.accepted.size();
  stats_->rejected += chunk.rejected.size();
  for (RejectReason reason : chunk.rejected.reason) {
    ++stats_->rejected_by_reason[static_cast<size_t>(reason)];
  }
}

void InOrderStage::ReportProgress() const {
  if (!progress_) return;
  IngestProgress progress;
  progress.rows = stats_->input_rows;
  progress.stored_bytes_read = stored_bytes_read_->load(std::memory_order_relaxed);
  progress.stored_bytes_total = stored_bytes_total_;
  progress_(progress);
}

}  // namespace wv::traces
