#include "model/fact_writer.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>

#include "core/civil_time.h"
#include "fmt/core.h"
#include "model/star_schema.h"
#include "traces/trace_schema.h"

namespace wv::model {
namespace {

// Where each TraceBatch column goes in fact_wordviews: a fact column index,
// or one of the two exceptions below. One member per TraceBatch column, named
// alike, so that ForEachColumnPair(batch, kFactColumnOf, ...) walks the
// mapping (a column added to TraceBatch fails to compile here until mapped).
constexpr int kNotStored = -1;  // the fact table has no such column
constexpr int kDerived = -2;    // stored after a conversion
struct FactColumnOfTraceColumn {
  int p_recall = kFactPRecall;
  int timestamp = kFactEpoch;
  int delta = kFactDelta;
  int user_id = kFactUserId;
  int learning_language = kFactLearningLanguage;
  int ui_language = kFactUiLanguage;
  int lexeme_id = kFactLexemeId;
  // dim_words holds the lexeme_string; the fact table only its lexeme_id.
  int lexeme_string = kNotStored;
  int history_seen = kFactHistorySeen;
  int history_correct = kFactHistoryCorrect;
  int session_seen = kFactSessionSeen;
  int session_correct = kFactSessionCorrect;
  int source_file = kDerived;  // an index; the fact column holds the file's name
  int line_number = kFactLineNumber;
};
constexpr FactColumnOfTraceColumn kFactColumnOf;

// The value array of `column` that holds a TraceBatch column of type T.
template <typename T>
T& ValuesOf(parquet::ColumnVector& column) {
  if constexpr (std::is_same_v<T, std::vector<double>>) {
    return column.f64;
  } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
    return column.i64;
  } else {
    static_assert(std::is_same_v<T, parquet::ByteArrayVector>);
    return column.bytes;
  }
}

// Moves the stored-as-is columns of `rows` into the fact columns.
void MoveIntoFactColumns(traces::TraceBatch& rows, std::vector<parquet::ColumnVector>& cols) {
  traces::ForEachColumnPair(rows, kFactColumnOf, [&](auto& values, int fact_column) {
    using T = std::decay_t<decltype(values)>;
    if constexpr (!std::is_same_v<T, std::vector<uint32_t>>) {
      if (fact_column >= 0) ValuesOf<T>(cols[fact_column]) = std::move(values);
    }
  });
}

// The inverse, so the row buffer keeps its capacity for reuse.
void MoveOutOfFactColumns(std::vector<parquet::ColumnVector>& cols, traces::TraceBatch& rows) {
  traces::ForEachColumnPair(rows, kFactColumnOf, [&](auto& values, int fact_column) {
    using T = std::decay_t<decltype(values)>;
    if constexpr (!std::is_same_v<T, std::vector<uint32_t>>) {
      if (fact_column >= 0) values = std::move(ValuesOf<T>(cols[fact_column]));
    }
  });
}

// Appends rows [begin, end) of `src` to `dst`, column by column, except the
// lexeme_string (not stored in the fact table, and the widest column: routing
// it would only cost). Rows come in time order, so a chunk's rows are mostly
// one long run of one day: copied as ranges, not value by value.
void AppendRowsForFact(const traces::TraceBatch& src, size_t begin, size_t end,
                       traces::TraceBatch* dst) {
  traces::ForEachColumnPair(src, *dst, [&](const auto& from, auto& to) {
    if constexpr (std::is_same_v<std::decay_t<decltype(from)>, parquet::ByteArrayVector>) {
      if (&from == &src.lexeme_string) return;
      const uint64_t first = from.offsets[begin];
      const uint64_t base = to.data.size();
      to.data.append(from.data, first, from.offsets[end] - first);
      for (size_t i = begin + 1; i <= end; ++i)
        to.offsets.push_back(from.offsets[i] - first + base);
    } else {
      to.insert(to.end(), from.begin() + static_cast<ptrdiff_t>(begin),
                from.begin() + static_cast<ptrdiff_t>(end));
    }
  });
}

// Empties a batch, keeping its capacity.
void ClearBatch(traces::TraceBatch* b) {
  traces::ForEachColumn(*b, [](auto& column) { column.clear(); });
}

int64_t CountEmpty(const parquet::ByteArrayVector& v) {
  int64_t n = 0;
  for (size_t i = 0; i < v.size(); ++i) n += v.offsets[i + 1] == v.offsets[i];
  return n;
}

// Fills the computed fact columns (timestamp in microseconds, session_pct,
// history_pct) from `rows` and profiles the rows (domains, NULL-like values,
// p_recall agreement) in the same pass.
void DeriveAndProfile(const traces::TraceBatch& rows, std::vector<parquet::ColumnVector>& cols,
                      FactProfile* profile) {
  const size_t n = rows.size();
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
    prof.AddRow({.p_recall = p_recall,
                 .session_pct = spct,
                 .has_history_pct = history_valid[i] != 0,
                 .history_pct = history_pct[i],
                 .delta = rows.delta[i],
                 .session_seen = ss,
                 .session_correct = sc,
                 .history_seen = hs,
                 .history_correct = hc,
                 .epoch = ts});
  }
  prof.empty_required_values += CountEmpty(rows.user_id) + CountEmpty(rows.learning_language) +
                                CountEmpty(rows.ui_language) + CountEmpty(rows.lexeme_id);
}

// The source_file column: each row's input file name.
void FillSourceColumn(const std::vector<uint32_t>& source_file,
                      const std::vector<std::string>& names, parquet::ByteArrayVector* out) {
  const size_t n = source_file.size();
  out->reserve(n, n * (names.empty() ? 0 : names[0].size()));
  for (uint32_t f : source_file) {
    out->push_back(f < names.size() ? std::string_view(names[f]) : std::string_view());
  }
}

}  // namespace

FactWriter::FactWriter(io::OutputStore* store, std::vector<std::string> source_names,
                       FactWriterOptions options, FileLedger* ledger)
    : store_(store),
      source_names_(std::move(source_names)),
      options_(std::move(options)),
      ledger_(ledger),
      pool_(std::max(1, options_.encode_threads)) {
  options_.writer.row_group_rows = options_.row_group_rows;
  // RunNextJob returns row buffers here under the lock and must not throw.
  spare_.reserve(kMaxSpares);
}

FactWriter::~FactWriter() {
  {
    MutexLock lock(&mu_);
    cancelled_ = true;
  }
  pool_.Wait();
}

FactWriter::Partition* FactWriter::PartitionFor(int64_t day) {
  auto& slot = partitions_[day];
  if (slot == nullptr) {
    slot = std::make_unique<Partition>();
    slot->day = day;
    slot->dir = fmt::format("{}/date={}", kFactTable, DateString(day));
    MutexLock lock(&mu_);
    slot->id = jobs_.size();
    jobs_.emplace_back();
  }
  return slot.get();
}

Status FactWriter::Append(const traces::TraceBatch& batch) {
  const size_t n = batch.size();
  for (size_t i = 0; i < n;) {
    const int64_t day = DaysFromEpochSeconds(batch.timestamp[i]);
    Partition* p = last_partition_;
    if (p == nullptr || p->day != day) p = last_partition_ = PartitionFor(day);
    if (p->buffer.size() == 0) StartBuffer(p);
    // The rows up to the first that fills the day's row group or takes the
    // buffered rows past their bound (as if appended one at a time) ...
    const size_t take = RowsBeforeFlush(batch, i, day, p->buffer.size());
    AppendRowsForFact(batch, i, i + take, &p->buffer);
    buffered_rows_ += static_cast<int64_t>(take);
    i += take;
    // ... and then the same flush.
    if (static_cast<int64_t>(p->buffer.size()) >= options_.row_group_rows) {
      WV_RETURN_IF_ERROR(Submit(p, /*close=*/false));
    } else if (buffered_rows_ > options_.max_buffered_rows) {
      WV_RETURN_IF_ERROR(FlushFullestPartition());
    }
  }
  MutexLock lock(&mu_);
  return first_error_;
}

size_t FactWriter::RowsBeforeFlush(const traces::TraceBatch& batch, size_t begin, int64_t day,
                                   size_t buffered_of_day) const {
  const size_t n = batch.size();
  // At least the row itself; at most to the row that reaches either bound.
  const int64_t to_group = options_.row_group_rows - static_cast<int64_t>(buffered_of_day);
  const int64_t headroom = options_.max_buffered_rows - buffered_rows_;
  const int64_t to_bound = headroom >= to_group ? to_group : headroom + 1;  // no overflow
  const int64_t most = std::max<int64_t>(1, std::min(to_group, to_bound));
  const size_t limit =
      begin + static_cast<size_t>(std::min<int64_t>(most, static_cast<int64_t>(n - begin)));
  size_t end = begin + 1;
  while (end < limit && DaysFromEpochSeconds(batch.timestamp[end]) == day) ++end;
  return end - begin;
}

void FactWriter::StartBuffer(Partition* p) {
  {
    MutexLock lock(&mu_);
    if (!spare_.empty()) {
      p->buffer = std::move(spare_.back());
      spare_.pop_back();
      return;
    }
  }
  // Otherwise the buffer grows as rows come: a day with few rows (the tail
  // of one that has ended) must not hold room for a row group, which the
  // allocator may well hand out from memory already resident.
}

Status FactWriter::FlushFullestPartition() {
  Partition* fullest = nullptr;
  for (auto& [day, p] : partitions_) {
    if (fullest == nullptr || p->buffer.size() > fullest->buffer.size()) fullest = p.get();
  }
  return fullest == nullptr ? OkStatus() : Submit(fullest, /*close=*/false);
}

bool FactWriter::HasRoomFor(int64_t rows) const {
  if (jobs_in_flight_ >= options_.max_jobs_in_flight) return false;
  return jobs_in_flight_ == 0 || options_.max_rows_in_flight <= 0 ||
         rows_in_flight_ + rows <= options_.max_rows_in_flight;
}

Status FactWriter::Submit(Partition* p, bool close) {
  Job job{{}, close};
  bool schedule = false;
  {
    MutexLock lock(&mu_);
    if (!close) {
      buffered_rows_ -= static_cast<int64_t>(p->buffer.size());
      job.rows = std::move(p->buffer);
      // Its next buffer comes with its next row (StartBuffer): a spare given
      // to a day that gets no more rows would only hold memory.
      p->buffer = traces::TraceBatch();
    }
    const auto rows = static_cast<int64_t>(job.rows.size());
    auto room_or_error = [this, rows]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return HasRoomFor(rows) || !first_error_.ok();
    };
    mu_.Await(Condition(&room_or_error));
    if (!first_error_.ok()) return first_error_;
    JobQueue& q = jobs_[p->id];
    q.pending.push_back(std::move(job));
    ++jobs_in_flight_;
    rows_in_flight_ += rows;
    schedule = !q.scheduled;
    q.scheduled = true;
  }
  // Outside the lock: a pool without threads runs the task right here.
  if (schedule) ScheduleNextJob(p);
  return OkStatus();
}

void FactWriter::RunNextJob(Partition* p) {
  Job job;
  bool skip = false;
  {
    MutexLock lock(&mu_);
    JobQueue& q = jobs_[p->id];
    job = std::move(q.pending.front());
    q.pending.pop_front();
    skip = cancelled_ || !first_error_.ok();
  }
  const auto rows = static_cast<int64_t>(job.rows.size());  // before RunJob moves its columns
  FactProfile local;
  Status s;
  // A pool task must not throw (std::terminate): an exception is this job's
  // error, recorded and counted below like any other, which releases Submit()
  // and WaitForJobs().
  try {
    if (!skip) s = RunJob(p, job, &local);
  } catch (...) {
    s = StatusFromCurrentException("encoding the fact table");
  }
  ClearBatch(&job.rows);
  bool more = false;
  {
    MutexLock lock(&mu_);
    // Room reserved in the constructor: this push_back cannot throw.
    if (!job.close && spare_.size() < spare_.capacity()) spare_.push_back(std::move(job.rows));
    profile_.Merge(local);
    if (!s.ok() && first_error_.ok()) first_error_ = std::move(s);
    --jobs_in_flight_;
    rows_in_flight_ -= rows;
    JobQueue& q = jobs_[p->id];
    more = !q.pending.empty();
    q.scheduled = more;
  }
  // Behind the other partitions' tasks: one busy day does not hold a thread.
  if (more) ScheduleNextJob(p);
}

void FactWriter::ScheduleNextJob(Partition* p) {
  try {
    pool_.Schedule([this, p] { RunNextJob(p); });
  } catch (...) {
    // No task will take this partition's jobs (the pool's queue could not
    // grow): drop them as failed, so nothing waits for them.
    Status error = StatusFromCurrentException("scheduling the fact table's encoding");
    MutexLock lock(&mu_);
    if (first_error_.ok()) first_error_ = std::move(error);
    JobQueue& q = jobs_[p->id];
    jobs_in_flight_ -= static_cast<int>(q.pending.size());
    for (const Job& job : q.pending) rows_in_flight_ -= static_cast<int64_t>(job.rows.size());
    q.pending.clear();
    q.scheduled = false;
  }
}

Status FactWriter::RunJob(Partition* p, Job& job, FactProfile* profile) {
  if (job.close) {
    if (p->file == nullptr) return OkStatus();
    Status s = p->file->Close();
    p->file.reset();
    return s;
  }
  return EncodeRows(p, job.rows, profile);
}

Status FactWriter::EncodeRows(Partition* p, traces::TraceBatch& rows, FactProfile* profile) {
  if (p->file != nullptr && p->file->rows_written() >= options_.max_rows_per_file) {
    WV_RETURN_IF_ERROR(p->file->Close());
    p->file.reset();
    ++p->file_index;
  }
  if (p->file == nullptr) {
    WV_ASSIGN_OR_RETURN(p->file,
                        TableFileWriter::Open(*store_,
                                              fmt::format("{}/{}{:05d}.parquet", p->dir,
                                                          options_.file_prefix, p->file_index),
                                              FactSchema(), options_.writer, ledger_));
  }
  const size_t n = rows.size();
  std::vector<parquet::ColumnVector> cols(kNumFactColumns);
  DeriveAndProfile(rows, cols, profile);
  FillSourceColumn(rows.source_file, source_names_, &cols[kFactSourceFile].bytes);
  cols[kFactBatchId].bytes.reserve(n, n * options_.batch_id.size());
  for (size_t i = 0; i < n; ++i) cols[kFactBatchId].bytes.push_back(options_.batch_id);
  MoveIntoFactColumns(rows, cols);
  // A job is a row group of its own (an early-flushed day's smaller one too),
  // so no file holds a partial row group while its day waits for rows.
  const Status written = p->file->WriteRowGroups(cols, n);
  MoveOutOfFactColumns(cols, rows);
  return written;
}

Status FactWriter::WaitForJobs() {
  {
    MutexLock lock(&mu_);
    auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return jobs_in_flight_ == 0; };
    mu_.Await(Condition(&idle));
  }
  pool_.Wait();  // the last task may still be returning
  MutexLock lock(&mu_);
  return first_error_;
}

Status FactWriter::Finish() {
  std::vector<Partition*> ordered;
  ordered.reserve(partitions_.size());
  for (auto& [day, p] : partitions_) ordered.push_back(p.get());
  std::sort(ordered.begin(), ordered.end(),
            [](const Partition* a, const Partition* b) { return a->day < b->day; });
  for (Partition* p : ordered) {
    if (p->buffer.size() > 0) WV_RETURN_IF_ERROR(Submit(p, /*close=*/false));
    WV_RETURN_IF_ERROR(Submit(p, /*close=*/true));
  }
  WV_RETURN_IF_ERROR(WaitForJobs());
  if (partitions_.empty()) {
    // An empty table still gets one file, in the Hive convention's folder for
    // a NULL partition value so partition-aware readers accept it.
    WV_RETURN_IF_ERROR(
        WriteTableFile(*store_,
                       fmt::format("{}/date=__HIVE_DEFAULT_PARTITION__/{}00000.parquet", kFactTable,
                                   options_.file_prefix),
                       FactSchema(), options_.writer, MakeColumns(FactSchema()), 0, ledger_));
  }
  return OkStatus();
}

FactProfile FactWriter::profile() const {
  MutexLock lock(&mu_);
  return profile_;
}

}  // namespace wv::model
