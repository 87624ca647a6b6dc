#include "traces/in_order_stage.h"

#include <utility>

#include "core/parallel.h"
#include "core/terminal_text.h"
#include "fmt/core.h"
#include "parquet/compression.h"

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
                           const IngestSpill& spill, IngestStats* stats, DuplicateHistory* history)
    : paths_(paths),
      consume_(consume),
      progress_(progress),
      stored_bytes_read_(stored_bytes_read),
      stored_bytes_total_(stored_bytes_total),
      stats_(stats),
      lines_(paths.size()),
      spill_(spill),
      history_(history) {
  // Every file has its header line, whether or not a chunk of it follows.
  for (IngestFileStats& file : stats_->files) file.physical_lines = 1;
  if (!spill_.folder.empty() && spill_.duplicate_memory_bytes > 0) {
    // The whole budget is reserved up front (never grown into): its pages
    // are touched only as rows land in them.
    max_remembered_ = DuplicateDetector::MaxRowsWithin(spill_.duplicate_memory_bytes);
    duplicates_.Reserve(max_remembered_);
  } else {
    duplicates_.Reserve(expected_rows);
  }
}

Status InOrderStage::Finish(ChunkInFlight& chunk) {
  const int64_t first_line = NumberLines(chunk);
  lines_.Reach(chunk.file, [this](uint32_t f) { return stats_->files[f].physical_lines; });
  if (spilled_ == nullptr && WouldOutgrow(chunk)) WV_RETURN_IF_ERROR(StartSpilling());
  if (spilled_ != nullptr) return Defer(chunk, first_line);
  found_.clear();
  duplicates_.Check(chunk.dedup.fingerprints, lines_.start(chunk.file),
                    chunk.validated.accepted.line_number, &found_);
  return Complete(chunk);
}

bool InOrderStage::WouldOutgrow(const ChunkInFlight& chunk) const {
  return duplicates_.size() + chunk.dedup.fingerprints.size() > max_remembered_;
}

Status InOrderStage::StartSpilling() {
  if (spill_.on_spill) spill_.on_spill();
  // While the set's rows move, the set still holds the budget: the sorters
  // get an eighth of it (smaller runs) until the set is freed.
  spilled_ = std::make_unique<SpilledDuplicates>(spill_.folder, spill_.duplicate_memory_bytes / 8);
  Status status;
  duplicates_.ForEachRow([&](const RowFingerprint& fingerprint, uint32_t first_line) {
    if (status.ok()) status = spilled_->Add(fingerprint, first_line);
  });
  WV_RETURN_IF_ERROR(status);
  duplicates_.Release();
  spilled_->SetMemoryBytes(spill_.duplicate_memory_bytes);
  WV_ASSIGN_OR_RETURN(deferred_log_,
                      SpillWriter::Create(spill_.folder + "/deferred-chunks.log", size_t{1} << 20));
  return OkStatus();
}

Status InOrderStage::Defer(const ChunkInFlight& chunk, int64_t first_line) {
  const uint64_t line_start = lines_.start(chunk.file);
  const TraceBatch& accepted = chunk.validated.accepted;
  for (size_t i = 0; i < accepted.size(); ++i) {
    WV_RETURN_IF_ERROR(spilled_->Add(chunk.dedup.fingerprints[i],
                                     line_start + static_cast<uint64_t>(accepted.line_number[i])));
  }
  const std::string_view raw = chunk.raw->view();
  compressed_.clear();
  WV_RETURN_IF_ERROR(parquet::Compress(parquet::Compression::kZstd, 1, raw, &compressed_));
  const DeferredHeader header{chunk.sequence, chunk.file, 0,
                              first_line,     raw.size(), compressed_.size()};
  WV_RETURN_IF_ERROR(deferred_log_->Append(&header, sizeof header));
  WV_RETURN_IF_ERROR(deferred_log_->Append(compressed_));
  // The rows are counted on replay; the bytes read still move on.
  ReportProgress();
  return OkStatus();
}

StatusOr<bool> InOrderStage::ReadDeferred(SpillReader* log, ChunkInFlight* chunk,
                                          int64_t* first_line) {
  DeferredHeader header;
  WV_ASSIGN_OR_RETURN(const bool more, log->Read(&header, sizeof header));
  if (!more) return false;
  compressed_.resize(header.compressed_bytes);
  WV_ASSIGN_OR_RETURN(const bool whole, log->Read(compressed_.data(), compressed_.size()));
  if (!whole) return InternalError("the deferred-chunk log ends inside a chunk");
  chunk->sequence = header.sequence;
  chunk->file = header.file;
  chunk->raw = std::make_unique<csv::ChunkBuffer>();
  chunk->raw->Reserve(header.bytes);
  chunk->raw->set_size(header.bytes);
  WV_RETURN_IF_ERROR(
      parquet::Decompress(static_cast<int32_t>(parquet::ToFormatCodec(parquet::Compression::kZstd)),
                          compressed_, chunk->raw->data(), header.bytes, "the deferred-chunk log"));
  *first_line = header.first_line;
  return true;
}

Status InOrderStage::FinishDeferred(const References& refs, int threads, bool dimension_keys) {
  if (spilled_ == nullptr) return OkStatus();
  WV_RETURN_IF_ERROR(deferred_log_->Close());
  WV_RETURN_IF_ERROR(spilled_->Resolve());
  WV_ASSIGN_OR_RETURN(has_pending_, spilled_->Next(&pending_));
  WV_ASSIGN_OR_RETURN(std::unique_ptr<SpillReader> log,
                      SpillReader::Open(deferred_log_->path(), size_t{1} << 20,
                                        /*unlink_now=*/true));
  const int workers = EffectiveThreads(std::max(1, threads));
  std::vector<ChunkValidator> validators(static_cast<size_t>(workers), ChunkValidator(refs));
  // A batch of chunks is validated in parallel, then completed in order.
  const size_t batch_size = 2 * static_cast<size_t>(workers);
  bool more = true;
  while (more) {
    std::vector<ChunkInFlight> batch(batch_size);
    std::vector<int64_t> first_lines(batch_size);
    size_t n = 0;
    for (; n < batch_size; ++n) {
      WV_ASSIGN_OR_RETURN(more, ReadDeferred(log.get(), &batch[n], &first_lines[n]));
      if (!more) break;
    }
    ParallelFor(n, workers, [&](size_t i, int worker) {
      ChunkInFlight& chunk = batch[i];
      chunk.validated.sequence = chunk.sequence;
      chunk.validated.source_file = chunk.file;
      validators[static_cast<size_t>(worker)].Validate(
          chunk.raw->view(), chunk.file, first_lines[i], &chunk.validated, &chunk.dedup);
      if (dimension_keys) ComputeChunkKeys(chunk.validated.accepted, &chunk.validated.keys);
    });
    for (size_t i = 0; i < n; ++i) {
      WV_RETURN_IF_ERROR(TakeSpilledDuplicates(batch[i]));
      WV_RETURN_IF_ERROR(Complete(batch[i]));
      batch[i] = ChunkInFlight();  // frees the chunk's memory at once
    }
  }
  if (has_pending_) {
    return InternalError(
        fmt::format("a spilled duplicate (run-wide line {}) matches no row", pending_.line));
  }
  return OkStatus();
}

Status InOrderStage::TakeSpilledDuplicates(const ChunkInFlight& chunk) {
  found_.clear();
  const uint64_t line_start = lines_.start(chunk.file);
  const std::vector<int64_t>& lines = chunk.validated.accepted.line_number;
  for (size_t i = 0; i < lines.size() && has_pending_; ++i) {
    if (pending_.line != line_start + static_cast<uint64_t>(lines[i])) continue;
    const uint64_t first = pending_.first_line;
    found_.push_back(
        DuplicateDetector::Duplicate{i, first > UINT32_MAX ? 0u : static_cast<uint32_t>(first)});
    WV_ASSIGN_OR_RETURN(has_pending_, spilled_->Next(&pending_));
  }
  return OkStatus();
}

Status InOrderStage::ApplyHistory(const ChunkInFlight& chunk) {
  const TraceBatch& accepted = chunk.validated.accepted;
  const std::vector<RowFingerprint>& fingerprints = chunk.dedup.fingerprints;
  std::vector<DuplicateDetector::Duplicate> merged;
  found_details_.clear();
  size_t next = 0;  // into found_, which is in row order
  for (size_t i = 0; i < accepted.size(); ++i) {
    const bool within = next < found_.size() && found_[next].row == i;
    if (within) ++next;
    WV_ASSIGN_OR_RETURN(std::optional<std::string> earlier,
                        history_->FindEarlier(accepted.timestamp[i], fingerprints[i]));
    if (earlier.has_value()) {
      // Earlier batches come first: the row repeats theirs, even when it
      // also repeats a row of this batch (which then repeats theirs too).
      merged.push_back(DuplicateDetector::Duplicate{i, 0});
      found_details_.push_back("duplicate of " + *earlier);
    } else if (within) {
      merged.push_back(found_[next - 1]);
      found_details_.emplace_back();
    } else {
      WV_RETURN_IF_ERROR(history_->Remember(accepted.timestamp[i], fingerprints[i], chunk.file,
                                            accepted.line_number[i]));
    }
  }
  found_ = std::move(merged);
  return OkStatus();
}

Status InOrderStage::Complete(ChunkInFlight& chunk) {
  if (history_ != nullptr) WV_RETURN_IF_ERROR(ApplyHistory(chunk));
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

int64_t InOrderStage::NumberLines(ChunkInFlight& chunk) {
  IngestFileStats& file = stats_->files[chunk.file];
  // The chunk's first line follows the lines of the file so far.
  const int64_t first_line = 1 + static_cast<int64_t>(file.physical_lines);
  for (auto& line : chunk.validated.accepted.line_number) line += first_line;
  for (auto& line : chunk.validated.rejected.line_number) line += first_line;
  file.physical_lines += chunk.dedup.physical_lines;
  return first_line;
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
  for (size_t d = 0; d < duplicates.size(); ++d) {
    const DuplicateDetector::Duplicate& duplicate = duplicates[d];
    const int64_t line = accepted.line_number[duplicate.row];
    for (; r < rejected.size() && rejected.line_number[r] < line; ++r) merged.AddRowOf(rejected, r);
    const bool earlier_batch = d < found_details_.size() && !found_details_[d].empty();
    merged.Add(
        chunk.file, line, RejectReason::kDuplicate,
        earlier_batch ? found_details_[d] : DuplicateDetail(duplicate.first_line),
        raw.substr(chunk.dedup.raw_offset[duplicate.row], chunk.dedup.raw_length[duplicate.row]));
  }
  for (; r < rejected.size(); ++r) merged.AddRowOf(rejected, r);
  rejected = std::move(merged);

  // The keys numbered the rows before: the consumer numbers the rest again.
  chunk.validated.keys.Clear();
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
