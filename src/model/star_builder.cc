#include "model/star_builder.h"

#include <future>

#include "core/utf8.h"
#include "fmt/core.h"
#include "model/star_schema.h"

namespace wv::model {
namespace {

constexpr size_t kQuarantineRowGroupRows = 64 * 1024;

}  // namespace

StarSchemaBuilder::StarSchemaBuilder(io::OutputStore* store, std::vector<std::string> source_names,
                                     const traces::References* refs, BuildOptions options)
    : store_(store),
      source_names_(source_names),
      options_(options),
      writer_options_([&] {
        parquet::WriterOptions w;
        w.compression = options.compression;
        return w;
      }()),
      fact_(
          store, std::move(source_names),
          [&] {
            FactWriterOptions f;
            f.writer = writer_options_;
            f.writer.encode_threads = 1;  // parallelism comes from the partitions
            f.row_group_rows = options.fact_row_group_rows;
            f.encode_threads = std::max(1, options.threads);
            f.max_jobs_in_flight = 2 * f.encode_threads;
            return f;
          }(),
          &ledger_),
      dims_(refs),
      quarantine_buffer_(MakeColumns(QuarantineSchema())) {
  dim_thread_ = std::thread([this] { DimensionLoop(); });
}

StarSchemaBuilder::~StarSchemaBuilder() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    dim_done_ = true;
    dim_queue_.clear();
  }
  cv_.notify_all();
  if (dim_thread_.joinable()) dim_thread_.join();
}

void StarSchemaBuilder::DimensionLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return dim_done_ || !dim_queue_.empty(); });
    if (dim_queue_.empty()) return;  // done and drained
    std::shared_ptr<const traces::ValidatedChunk> chunk = dim_queue_.front();
    lock.unlock();
    dims_.Add(chunk->accepted);
    chunk.reset();
    lock.lock();
    dim_queue_.pop_front();
    cv_.notify_all();
  }
}

Status StarSchemaBuilder::Consume(traces::ValidatedChunk&& chunk) {
  auto shared = std::make_shared<const traces::ValidatedChunk>(std::move(chunk));
  result_.input_rows += static_cast<int64_t>(shared->input_rows);
  {
    // The dimension thread reads the chunk while this thread routes its
    // rows to the fact partitions; a short queue bounds the memory.
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return dim_queue_.size() < 4; });
    dim_queue_.push_back(shared);
  }
  cv_.notify_all();
  WV_RETURN_IF_ERROR(fact_.Append(shared->accepted));
  return AppendQuarantine(shared->rejected);
}

Status StarSchemaBuilder::AppendQuarantine(const traces::QuarantineBatch& q) {
  auto& c = quarantine_buffer_;
  for (size_t i = 0; i < q.size(); ++i) {
    const uint32_t f = q.source_file[i];
    c[kQuarantineSourceFile].bytes.push_back(
        f < source_names_.size() ? std::string_view(source_names_[f]) : std::string_view());
    c[kQuarantineLineNumber].i64.push_back(q.line_number[i]);
    const int reason = static_cast<int>(q.reason[i]);
    if (reason >= 0 && reason < static_cast<int>(traces::RejectReason::kNumReasons)) {
      ++result_.rejected_by_reason[reason];
    }
    c[kQuarantineReason].bytes.push_back(traces::RejectReasonName(q.reason[i]));
    c[kQuarantineDetail].bytes.push_back(ToValidUtf8(q.detail[i]));
    c[kQuarantineRawLine].bytes.push_back(q.raw_line[i]);
    if (++quarantine_buffered_ >= kQuarantineRowGroupRows) WV_RETURN_IF_ERROR(FlushQuarantine());
  }
  return OkStatus();
}

Status StarSchemaBuilder::FlushQuarantine() {
  if (quarantine_file_ == nullptr) {
    WV_ASSIGN_OR_RETURN(
        quarantine_file_,
        TableFileWriter::Open(*store_, fmt::format("{}/part-00000.parquet", kQuarantineTable),
                              QuarantineSchema(), writer_options_, &ledger_));
  }
  if (quarantine_buffered_ > 0) {
    WV_RETURN_IF_ERROR(quarantine_file_->WriteBatch(quarantine_buffer_, quarantine_buffered_));
  }
  for (auto& col : quarantine_buffer_) col.clear();
  quarantine_buffered_ = 0;
  return OkStatus();
}

StatusOr<BuildResult> StarSchemaBuilder::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    dim_done_ = true;
  }
  cv_.notify_all();
  dim_thread_.join();
  dims_.anomalies();  // settles the run logs before the tables are built in parallel

  // The dimensions are built and written on their own threads while this
  // one finishes the fact table and the quarantine. (Each Build*() touches
  // its own members of the builder.)
  using quality::CheckKeysUnique;
  using PT = parquet::PhysicalType;
  struct DimTask {
    quality::CheckResult check;
    Status status;
  };
  auto write_dim = [this](std::string_view table, const parquet::Schema& schema,
                          const TableData& data, const char* key_name, int key,
                          PT key_type) -> DimTask {
    DimTask t;
    t.check = CheckKeysUnique(table, key_name, data.columns[key], key_type);
    t.status = WriteTableFile(*store_, fmt::format("{}/part-00000.parquet", table), schema,
                              writer_options_, data.columns, data.rows, &ledger_);
    return t;
  };
  auto users_task = std::async(std::launch::async, [&] {
    return write_dim(kUsersTable, UsersSchema(), dims_.BuildUsers(), "user_id", kUserId,
                     PT::kByteArray);
  });
  auto times_task = std::async(std::launch::async, [&] {
    return write_dim(kTimesTable, TimesSchema(), dims_.BuildTimes(), "epoch", kTimeEpoch,
                     PT::kInt64);
  });
  auto small_task = std::async(std::launch::async, [&] {
    std::vector<DimTask> out;
    out.push_back(write_dim(kLangsTable, LangsSchema(), dims_.BuildLangs(), "alpha2_code",
                            kLangAlpha2, PT::kByteArray));
    out.push_back(write_dim(kWordsTable, WordsSchema(), dims_.BuildWords(), "lexeme_id",
                            kWordLexemeId, PT::kByteArray));
    return out;
  });
  Status fact_status = fact_.Finish();
  if (fact_status.ok()) fact_status = FlushQuarantine();
  if (fact_status.ok()) fact_status = quarantine_file_->Close();
  std::vector<DimTask> dim_results;
  dim_results.push_back(users_task.get());
  dim_results.push_back(times_task.get());
  for (DimTask& t : small_task.get()) dim_results.push_back(std::move(t));
  WV_RETURN_IF_ERROR(fact_status);
  auto& checks = result_.checks;
  for (DimTask& t : dim_results) {
    WV_RETURN_IF_ERROR(t.status);
    checks.push_back(std::move(t.check));
  }

  // Group the written files by table; the row counts come from the files.
  for (std::string_view name : kAllTables)
    result_.tables.push_back(TableRecord{std::string(name), 0, {}});
  for (FileRecord& f : ledger_.Files()) {
    for (TableRecord& t : result_.tables) {
      if (f.path.size() > t.name.size() && f.path.compare(0, t.name.size(), t.name) == 0 &&
          f.path[t.name.size()] == '/') {
        t.rows += f.rows;
        t.files.push_back(std::move(f));
        break;
      }
    }
  }
  result_.fact_rows = result_.tables[0].rows;
  result_.quarantine_rows = result_.tables[5].rows;
  result_.distinct_users = static_cast<int64_t>(dims_.distinct_users());
  result_.distinct_sessions = static_cast<int64_t>(dims_.distinct_sessions());

  const auto& cov = dims_.coverage();
  const int64_t fact_rows = result_.fact_rows;
  checks.push_back(quality::CheckForeignKey("user_id", kUsersTable, fact_rows, cov.users));
  checks.push_back(quality::CheckForeignKey("epoch", kTimesTable, fact_rows, cov.times));
  checks.push_back(
      quality::CheckForeignKey("learning_language", kLangsTable, fact_rows, cov.learning_langs));
  checks.push_back(quality::CheckForeignKey("ui_language", kLangsTable, fact_rows, cov.ui_langs));
  checks.push_back(quality::CheckForeignKey("lexeme_id", kWordsTable, fact_rows, cov.words));
  checks.push_back(
      quality::CheckReconciliation(result_.input_rows, fact_rows, result_.quarantine_rows));

  const FactProfile& p = fact_.profile();
  checks.push_back(quality::CheckZero("fact_wordviews.row_count_matches_dimensions",
                                      p.rows != dims_.rows() ? 1 : 0,
                                      "difference between fact rows encoded and rows modelled"));
  checks.push_back(quality::CheckZero("fact_wordviews.required_not_null", p.empty_required_values,
                                      "NULL or empty values in required fact columns"));
  checks.push_back(quality::CheckZero("fact_wordviews.p_recall.domain", p.p_recall_out_of_domain,
                                      "p_recall values outside [0, 1]"));
  checks.push_back(quality::CheckZero("fact_wordviews.pct.domain", p.pct_out_of_domain,
                                      "session_pct/history_pct values outside [0, 1]"));
  checks.push_back(quality::CheckZero(
      "fact_wordviews.history_pct.null_iff_no_history", p.history_pct_null_mismatch,
      "rows where history_pct is NULL but history_seen > 0 or vice versa"));
  checks.push_back(quality::CheckZero("fact_wordviews.counts.domain", p.counts_out_of_domain,
                                      "rows with delta < 0 or seen/correct counts out of range"));
  checks.push_back(quality::CheckZero("fact_wordviews.timestamp.domain", p.timestamp_out_of_domain,
                                      "timestamps outside [2000-01-01, 2100-01-01)"));

  const DimensionAnomalies& a = dims_.anomalies();
  checks.push_back(quality::CountAnomaly(
      "anomaly.p_recall_disagrees_with_session", p.p_recall_disagrees,
      fmt::format("rows where p_recall != session_correct/session_seen (relative tolerance {})",
                  kPRecallTolerance)));
  checks.push_back(quality::CountAnomaly("anomaly.natural_key_collisions", a.natural_key_collisions,
                                         "rows repeating an earlier (user_id, epoch, lexeme_id)"));
  checks.push_back(quality::CountAnomaly("anomaly.lexeme_id_with_several_strings",
                                         a.lexemes_with_several_strings,
                                         "lexeme_ids seen with more than one lexeme_string"));
  checks.push_back(quality::CountAnomaly("anomaly.lexeme_id_with_several_languages",
                                         a.lexemes_with_several_languages,
                                         "lexeme_ids seen with more than one learning_language"));
  checks.push_back(
      quality::CountAnomaly("anomaly.rows_with_conflicting_lexeme", a.rows_with_conflicting_lexeme,
                            "rows whose lexeme_string or language differs from the "
                            "lexeme_id's first occurrence (dim_words keeps the first)"));
  checks.push_back(quality::CountAnomaly("anomaly.words_with_unknown_tags",
                                         a.words_with_unknown_tags,
                                         fmt::format("words with tags missing from the lexeme "
                                                     "reference ({} tag occurrences; wildcards "
                                                     "excluded)",
                                                     a.unknown_tag_occurrences)));
  checks.push_back(
      quality::CountInfo("info.words_with_wildcards", a.words_with_wildcards,
                         "words with a wildcard surface or tag (<*sf>, <*numb>, ...)"));
  checks.push_back(quality::CountAnomaly("anomaly.languages_missing_from_reference",
                                         a.languages_missing_from_reference,
                                         "languages in accepted rows without a reference entry"));
  checks.push_back(
      quality::CheckZero("dim_words.decodable", a.words_undecodable,
                         "lexeme_strings that do not decode as surface/lemma<tag>..."));
  return std::move(result_);
}

}  // namespace wv::model
