#include "model/fact_writer.h"

#include <algorithm>
#include <cmath>

#include "fmt/core.h"
#include "core/civil_time.h"
#include "model/star_schema.h"
#include "traces/trace_schema.h"

namespace wv::model {
namespace {

void AppendRow(const traces::TraceBatch& src, size_t i, traces::TraceBatch* dst) {
  dst->p_recall.push_back(src.p_recall[i]);
  dst->timestamp.push_back(src.timestamp[i]);
  dst->delta.push_back(src.delta[i]);
  dst->user_id.push_back(src.user_id[i]);
  dst->learning_language.push_back(src.learning_language[i]);
  dst->ui_language.push_back(src.ui_language[i]);
  dst->lexeme_id.push_back(src.lexeme_id[i]);
  dst->history_seen.push_back(src.history_seen[i]);
  dst->history_correct.push_back(src.history_correct[i]);
  dst->session_seen.push_back(src.session_seen[i]);
  dst->session_correct.push_back(src.session_correct[i]);
  dst->source_file.push_back(src.source_file[i]);
  dst->line_number.push_back(src.line_number[i]);
}

// Empties a batch, keeping its capacity.
void ClearBatch(traces::TraceBatch* b) {
  b->p_recall.clear();
  b->timestamp.clear();
  b->delta.clear();
  b->user_id.clear();
  b->learning_language.clear();
  b->ui_language.clear();
  b->lexeme_id.clear();
  b->lexeme_string.clear();
  b->history_seen.clear();
  b->history_correct.clear();
  b->session_seen.clear();
  b->session_correct.clear();
  b->source_file.clear();
  b->line_number.clear();
}

int64_t CountEmpty(const parquet::ByteArrayVector& v) {
  int64_t n = 0;
  for (size_t i = 0; i < v.size(); ++i) n += v.offsets[i + 1] == v.offsets[i];
  return n;
}

}  // namespace

void FactProfile::Merge(const FactProfile& o) {
  rows += o.rows;
  empty_required_values += o.empty_required_values;
  p_recall_out_of_domain += o.p_recall_out_of_domain;
  pct_out_of_domain += o.pct_out_of_domain;
  history_pct_null_mismatch += o.history_pct_null_mismatch;
  counts_out_of_domain += o.counts_out_of_domain;
  timestamp_out_of_domain += o.timestamp_out_of_domain;
  p_recall_disagrees += o.p_recall_disagrees;
}

FactWriter::FactWriter(io::OutputStore* store, std::vector<std::string> source_names,
                       FactWriterOptions options, FileLedger* ledger)
    : store_(store),
      source_names_(std::move(source_names)),
      options_(std::move(options)),
      ledger_(ledger) {
  options_.writer.row_group_rows = options_.row_group_rows;
  const int threads = std::max(1, options_.encode_threads);
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

FactWriter::~FactWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
}

FactWriter::Partition* FactWriter::PartitionFor(int64_t day) {
  auto& slot = partitions_[day];
  if (slot == nullptr) {
    slot = std::make_unique<Partition>();
    slot->day = day;
    slot->dir = fmt::format("{}/date={}", kFactTable, DateString(day));
  }
  return slot.get();
}

Status FactWriter::Append(const traces::TraceBatch& batch) {
  const size_t n = batch.size();
  for (size_t i = 0; i < n; ++i) {
    const int64_t day = DaysFromEpochSeconds(batch.timestamp[i]);
    Partition* p = last_partition_;
    if (p == nullptr || p->day != day) p = last_partition_ = PartitionFor(day);
    AppendRow(batch, i, &p->buffer);
    ++buffered_rows_;
    if (static_cast<int64_t>(p->buffer.size()) >= options_.row_group_rows) {
      WV_RETURN_IF_ERROR(Submit(p, /*close=*/false));
    } else if (buffered_rows_ > options_.max_buffered_rows) {
      WV_RETURN_IF_ERROR(FlushFullestPartition());
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  return first_error_;
}

Status FactWriter::FlushFullestPartition() {
  Partition* fullest = nullptr;
  for (auto& [day, p] : partitions_) {
    if (fullest == nullptr || p->buffer.size() > fullest->buffer.size()) fullest = p.get();
  }
  return fullest == nullptr ? OkStatus() : Submit(fullest, /*close=*/false);
}

Status FactWriter::Submit(Partition* p, bool close) {
  Job job{p, {}, close};
  std::unique_lock<std::mutex> lock(mu_);
  if (!close) {
    buffered_rows_ -= static_cast<int64_t>(p->buffer.size());
    job.rows = std::move(p->buffer);
    if (spare_.empty()) {
      p->buffer = traces::TraceBatch();
    } else {
      p->buffer = std::move(spare_.back());
      spare_.pop_back();
    }
  }
  done_cv_.wait(
      lock, [&] { return jobs_in_flight_ < options_.max_jobs_in_flight || !first_error_.ok(); });
  if (!first_error_.ok()) return first_error_;
  p->pending.push_back(std::move(job));
  ++jobs_in_flight_;
  if (!p->scheduled) {
    p->scheduled = true;
    ready_.push_back(p);
    work_cv_.notify_one();
  }
  return OkStatus();
}

void FactWriter::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    work_cv_.wait(lock, [&] { return stopping_ || !ready_.empty(); });
    if (stopping_) return;
    Partition* p = ready_.front();
    ready_.pop_front();
    Job job = std::move(p->pending.front());
    p->pending.pop_front();
    lock.unlock();
    FactProfile local;
    Status s = first_error_.ok() ? RunJob(job, &local) : OkStatus();
    ClearBatch(&job.rows);
    lock.lock();
    if (!job.close && spare_.size() < static_cast<size_t>(options_.max_jobs_in_flight) + 2) {
      spare_.push_back(std::move(job.rows));
    }
    profile_.Merge(local);
    if (!s.ok() && first_error_.ok()) first_error_ = s;
    --jobs_in_flight_;
    if (!p->pending.empty()) {
      ready_.push_back(p);
      work_cv_.notify_one();
    } else {
      p->scheduled = false;
    }
    done_cv_.notify_all();
  }
}

Status FactWriter::RunJob(Job& job, FactProfile* profile) {
  Partition* p = job.partition;
  if (job.close) {
    if (p->file == nullptr) return OkStatus();
    Status s = p->file->Close();
    p->file.reset();
    return s;
  }
  return EncodeRows(p, job.rows, profile);
}

Status FactWriter::EncodeRows(Partition* p, traces::TraceBatch& rows, FactProfile* profile) {
  const size_t n = rows.size();
  if (p->file != nullptr && p->file->rows_written() >= options_.max_rows_per_file) {
    WV_RETURN_IF_ERROR(p->file->Close());
    p->file.reset();
    ++p->file_index;
  }
  if (p->file == nullptr) {
    WV_ASSIGN_OR_RETURN(
        p->file,
        TableFileWriter::Open(*store_, fmt::format("{}/part-{:05d}.parquet", p->dir, p->file_index),
                              FactSchema(), options_.writer, ledger_));
  }

  // Profile the rows (domains, NULL-like values, p_recall agreement) and
  // derive the computed columns in the same pass.
  std::vector<parquet::ColumnVector> cols(kNumFactColumns);
  auto& ts_micros = cols[kFactTimestamp].i64;
  auto& session_pct = cols[kFactSessionPct].f64;
  auto& history_pct = cols[kFactHistoryPct].f64;
  auto& history_valid = cols[kFactHistoryPct].valid;
  ts_micros.resize(n);
  session_pct.resize(n);
  history_pct.resize(n);
  history_valid.resize(n);
  FactProfile& prof = *profile;
  prof.rows += static_cast<int64_t>(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t ts = rows.timestamp[i];
    ts_micros[i] = ts * 1000000;
    const double p_recall = rows.p_recall[i];
    const int64_t ss = rows.session_seen[i], sc = rows.session_correct[i];
    const int64_t hs = rows.history_seen[i], hc = rows.history_correct[i];
    const double spct = ss > 0 ? static_cast<double>(sc) / static_cast<double>(ss) : NAN;
    session_pct[i] = spct;
    if (hs != 0) {
      history_pct[i] = static_cast<double>(hc) / static_cast<double>(hs);
      history_valid[i] = 1;
    } else {
      history_pct[i] = 0;
      history_valid[i] = 0;
    }
    prof.empty_required_values += std::isnan(p_recall) + std::isnan(spct);
    prof.p_recall_out_of_domain += !(p_recall >= 0.0 && p_recall <= 1.0);
    prof.pct_out_of_domain += !(spct >= 0.0 && spct <= 1.0);
    if (history_valid[i])
      prof.pct_out_of_domain += !(history_pct[i] >= 0.0 && history_pct[i] <= 1.0);
    prof.history_pct_null_mismatch += (history_valid[i] == 0) != (hs == 0);
    prof.counts_out_of_domain +=
        rows.delta[i] < 0 || ss < 1 || sc < 0 || sc > ss || hs < 0 || hc < 0 || hc > hs;
    prof.timestamp_out_of_domain +=
        ts < traces::kMinTimestamp || ts >= traces::kMaxTimestampExclusive;
    prof.p_recall_disagrees +=
        !(std::fabs(p_recall - spct) <= kPRecallTolerance * std::max(1.0, std::fabs(spct)));
  }
  prof.empty_required_values += CountEmpty(rows.user_id) + CountEmpty(rows.learning_language) +
                                CountEmpty(rows.ui_language) + CountEmpty(rows.lexeme_id);

  cols[kFactEpoch].i64 = std::move(rows.timestamp);
  cols[kFactUserId].bytes = std::move(rows.user_id);
  cols[kFactLearningLanguage].bytes = std::move(rows.learning_language);
  cols[kFactUiLanguage].bytes = std::move(rows.ui_language);
  cols[kFactLexemeId].bytes = std::move(rows.lexeme_id);
  cols[kFactDelta].i64 = std::move(rows.delta);
  cols[kFactPRecall].f64 = std::move(rows.p_recall);
  cols[kFactSessionSeen].i64 = std::move(rows.session_seen);
  cols[kFactSessionCorrect].i64 = std::move(rows.session_correct);
  cols[kFactHistorySeen].i64 = std::move(rows.history_seen);
  cols[kFactHistoryCorrect].i64 = std::move(rows.history_correct);
  auto& source = cols[kFactSourceFile].bytes;
  source.reserve(n, n * (source_names_.empty() ? 0 : source_names_[0].size()));
  for (size_t i = 0; i < n; ++i) {
    const uint32_t f = rows.source_file[i];
    source.push_back(f < source_names_.size() ? std::string_view(source_names_[f])
                                              : std::string_view());
  }
  cols[kFactLineNumber].i64 = std::move(rows.line_number);
  const Status written = p->file->WriteBatch(cols, n);
  // Hand the arrays back so the buffer can be reused.
  rows.timestamp = std::move(cols[kFactEpoch].i64);
  rows.user_id = std::move(cols[kFactUserId].bytes);
  rows.learning_language = std::move(cols[kFactLearningLanguage].bytes);
  rows.ui_language = std::move(cols[kFactUiLanguage].bytes);
  rows.lexeme_id = std::move(cols[kFactLexemeId].bytes);
  rows.delta = std::move(cols[kFactDelta].i64);
  rows.p_recall = std::move(cols[kFactPRecall].f64);
  rows.session_seen = std::move(cols[kFactSessionSeen].i64);
  rows.session_correct = std::move(cols[kFactSessionCorrect].i64);
  rows.history_seen = std::move(cols[kFactHistorySeen].i64);
  rows.history_correct = std::move(cols[kFactHistoryCorrect].i64);
  rows.line_number = std::move(cols[kFactLineNumber].i64);
  return written;
}

Status FactWriter::Finish() {
  finished_ = true;
  std::vector<Partition*> ordered;
  ordered.reserve(partitions_.size());
  for (auto& [day, p] : partitions_) ordered.push_back(p.get());
  std::sort(ordered.begin(), ordered.end(),
            [](const Partition* a, const Partition* b) { return a->day < b->day; });
  for (Partition* p : ordered) {
    if (p->buffer.size() > 0) WV_RETURN_IF_ERROR(Submit(p, /*close=*/false));
    WV_RETURN_IF_ERROR(Submit(p, /*close=*/true));
  }
  {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return jobs_in_flight_ == 0; });
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  WV_RETURN_IF_ERROR(first_error_);
  if (partitions_.empty()) {
    // An empty table still gets one file, in the Hive convention's folder for
    // a NULL partition value so partition-aware readers accept it.
    WV_RETURN_IF_ERROR(WriteTableFile(
        *store_, fmt::format("{}/date=__HIVE_DEFAULT_PARTITION__/part-00000.parquet", kFactTable),
        FactSchema(), options_.writer, MakeColumns(FactSchema()), 0, ledger_));
  }
  return OkStatus();
}

}  // namespace wv::model
