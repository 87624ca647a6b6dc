#include "run/recount.h"

#include <algorithm>

#include "core/civil_time.h"
#include "core/parallel.h"
#include "fmt/core.h"
#include "model/star_schema.h"
#include "traces/lexeme.h"
#include "traces/trace_schema.h"

namespace wv::run {
namespace {

using parquet::ColumnVector;

constexpr uint32_t kNoRow = UINT32_MAX;

void AppendValues(const ColumnVector& from, ColumnVector* to) {
  to->bools.insert(to->bools.end(), from.bools.begin(), from.bools.end());
  to->i32.insert(to->i32.end(), from.i32.begin(), from.i32.end());
  to->i64.insert(to->i64.end(), from.i64.begin(), from.i64.end());
  to->f32.insert(to->f32.end(), from.f32.begin(), from.f32.end());
  to->f64.insert(to->f64.end(), from.f64.begin(), from.f64.end());
  to->valid.insert(to->valid.end(), from.valid.begin(), from.valid.end());
  for (size_t i = 0; i < from.bytes.size(); ++i) to->bytes.push_back(from.bytes[i]);
}

size_t ValueCount(const ColumnVector& v) {
  return std::max(
      {v.bools.size(), v.i32.size(), v.i64.size(), v.f32.size(), v.f64.size(), v.bytes.size()});
}

// Column `column` of a table's kept rows, then of every file and row group,
// end to end.
StatusOr<ColumnVector> ReadWholeColumn(const OpenedTable& table, int column) {
  ColumnVector all;
  if (table.kept != nullptr) {
    const ColumnVector& kept = table.kept->columns.at(static_cast<size_t>(column));
    if (ValueCount(kept) != table.kept->rows) {
      return InternalError(fmt::format("the kept rows hold {} values of column {}, not {}",
                                       ValueCount(kept), column, table.kept->rows));
    }
    AppendValues(kept, &all);
  }
  for (const auto& f : table.files) {
    for (int g = 0; g < f->num_row_groups(); ++g) {
      WV_ASSIGN_OR_RETURN(const ColumnVector v, f->ReadColumn(g, column));
      AppendValues(v, &all);
    }
  }
  return all;
}

// Reads the key column `column` of `table` into *keys (for the uniqueness
// check) and returns a view of it.
StatusOr<const ColumnVector*> ReadKeys(const OpenedTable& t, std::string_view table, int column,
                                       std::vector<model::DimensionKeys>* keys) {
  WV_ASSIGN_OR_RETURN(ColumnVector values, ReadWholeColumn(t, column));
  keys->push_back(model::MakeDimensionKeys(table, column, std::move(values)));
  return &keys->back().values;
}

Status RecountLangs(const OpenedTable& langs, DimensionRecount* r) {
  WV_ASSIGN_OR_RETURN(const ColumnVector* codes,
                      ReadKeys(langs, model::kLangsTable, model::kLangAlpha2, &r->keys));
  for (size_t i = 0; i < codes->bytes.size(); ++i) r->index.langs.emplace(codes->bytes[i]);
  // A language missing from the reference gets no name and no code at all;
  // one in the reference has at least its English name.
  std::vector<ColumnVector> names;
  for (int c : {model::kLangEnglishName, model::kLangFrenchName, model::kLangAlpha3B,
                model::kLangAlpha3T}) {
    WV_ASSIGN_OR_RETURN(ColumnVector v, ReadWholeColumn(langs, c));
    names.push_back(std::move(v));
  }
  for (size_t i = 0; i < codes->bytes.size(); ++i) {
    bool any = false;
    for (const ColumnVector& v : names) any = any || (i < v.bytes.size() && !v.is_null(i));
    r->anomalies.languages_missing_from_reference += !any;
  }
  return OkStatus();
}

Status RecountWords(const OpenedTable& words, DimensionRecount* r) {
  WV_ASSIGN_OR_RETURN(const ColumnVector* ids,
                      ReadKeys(words, model::kWordsTable, model::kWordLexemeId, &r->keys));
  WV_ASSIGN_OR_RETURN(const ColumnVector language, ReadWholeColumn(words, model::kWordLanguage));
  WV_ASSIGN_OR_RETURN(const ColumnVector text, ReadWholeColumn(words, model::kWordLexemeString));
  WV_ASSIGN_OR_RETURN(const ColumnVector unknown, ReadWholeColumn(words, model::kWordUnknownTags));
  WV_ASSIGN_OR_RETURN(const ColumnVector any_sf,
                      ReadWholeColumn(words, model::kWordSurfaceIsWildcard));
  WV_ASSIGN_OR_RETURN(const ColumnVector any_tag,
                      ReadWholeColumn(words, model::kWordHasWildcardTag));
  const size_t n = ids->bytes.size();
  if (language.bytes.size() != n || text.bytes.size() != n || unknown.i64.size() != n ||
      any_sf.bools.size() != n || any_tag.bools.size() != n) {
    return InputError("dim_words: its columns have different row counts");
  }
  model::DimensionAnomalies& a = r->anomalies;
  for (size_t i = 0; i < n; ++i) {
    r->index.words.emplace(ids->bytes[i], static_cast<uint32_t>(i));
    r->index.word_language.emplace_back(language.bytes[i]);
    traces::LexemeParts parts;
    std::string_view error;
    a.words_undecodable += !traces::ParseLexeme(text.bytes[i], &parts, &error);
    a.words_with_unknown_tags += unknown.i64[i] > 0;
    a.unknown_tag_occurrences += unknown.i64[i];
    a.words_with_wildcards += any_sf.bools[i] || any_tag.bools[i];
  }
  return OkStatus();
}

}  // namespace

StatusOr<DimensionRecount> RecountDimensions(const OpenedTable& users, const OpenedTable& times,
                                             const OpenedTable& langs, const OpenedTable& words,
                                             const absl::flat_hash_set<int64_t>* kept_epochs) {
  DimensionRecount r;
  r.keys.reserve(4);  // ReadKeys returns pointers into it
  WV_ASSIGN_OR_RETURN(const ColumnVector* user_ids,
                      ReadKeys(users, model::kUsersTable, model::kUserId, &r.keys));
  for (size_t i = 0; i < user_ids->bytes.size(); ++i) {
    r.index.users.emplace(user_ids->bytes[i], static_cast<uint32_t>(i));
  }
  WV_ASSIGN_OR_RETURN(const ColumnVector views, ReadWholeColumn(users, model::kUserViews));
  for (int64_t v : views.i64) r.user_views += v;
  WV_ASSIGN_OR_RETURN(const ColumnVector* epochs,
                      ReadKeys(times, model::kTimesTable, model::kTimeEpoch, &r.keys));
  // The kept rows come first: only the epochs after them are indexed here.
  size_t from = 0;
  if (kept_epochs != nullptr && times.kept != nullptr) {
    if (kept_epochs->size() != times.kept->rows) {
      return InternalError("dim_times: the kept keys are not the kept rows'");
    }
    r.index.kept_epochs = kept_epochs;
    from = times.kept->rows;
  }
  r.index.epochs.insert(epochs->i64.begin() + static_cast<std::ptrdiff_t>(from), epochs->i64.end());
  WV_RETURN_IF_ERROR(RecountLangs(langs, &r));
  WV_RETURN_IF_ERROR(RecountWords(words, &r));
  return r;
}

const model::TableData& PreviousDimensions::Of(std::string_view table) const {
  if (table == model::kUsersTable) return users;
  if (table == model::kTimesTable) return times;
  if (table == model::kLangsTable) return langs;
  return words;
}

StatusOr<std::map<std::string, int64_t>> RecountBatches(const OpenedTable& quarantine) {
  WV_ASSIGN_OR_RETURN(const ColumnVector batches,
                      ReadWholeColumn(quarantine, model::kQuarantineBatchId));
  std::map<std::string, int64_t> counts;
  for (size_t i = 0; i < batches.bytes.size(); ++i) ++counts[std::string(batches.bytes[i])];
  return counts;
}

StatusOr<std::map<std::string, int64_t>> RecountReasons(const OpenedTable& quarantine) {
  WV_ASSIGN_OR_RETURN(const ColumnVector reasons,
                      ReadWholeColumn(quarantine, model::kQuarantineReason));
  std::map<std::string, int64_t> counts;
  for (size_t i = 0; i < reasons.bytes.size(); ++i) {
    ++counts[reasons.is_null(i) ? std::string("(null)") : std::string(reasons.bytes[i])];
  }
  return counts;
}

// The fact columns the recount reads, of one row group.
struct FactRecount::Columns {
  ColumnVector user, epoch, learning, ui, lexeme, delta, p_recall, session_seen, session_correct,
      history_seen, history_correct, session_pct, history_pct, batch;
};

FactRecount::FactRecount(const DimensionIndex* dims)
    : dims_(dims), word_other_language_(dims->word_language.size(), 0) {}

Status FactRecount::AddFile(const parquet::FileReader& file, int64_t day, int column_threads) {
  Columns c;
  const std::pair<ColumnVector*, int> wanted[] = {
      {&c.user, model::kFactUserId},
      {&c.epoch, model::kFactEpoch},
      {&c.learning, model::kFactLearningLanguage},
      {&c.ui, model::kFactUiLanguage},
      {&c.lexeme, model::kFactLexemeId},
      {&c.delta, model::kFactDelta},
      {&c.p_recall, model::kFactPRecall},
      {&c.session_seen, model::kFactSessionSeen},
      {&c.session_correct, model::kFactSessionCorrect},
      {&c.history_seen, model::kFactHistorySeen},
      {&c.history_correct, model::kFactHistoryCorrect},
      {&c.session_pct, model::kFactSessionPct},
      {&c.history_pct, model::kFactHistoryPct},
      {&c.batch, model::kFactBatchId},
  };
  for (int g = 0; g < file.num_row_groups(); ++g) {
    const size_t rows = static_cast<size_t>(file.row_group_num_rows(g));
    // The columns are decoded on up to `column_threads` threads (the
    // reader's const methods are thread-compatible), each into its own vector.
    std::vector<Status> decoded(std::size(wanted));
    ParallelFor(std::size(wanted), column_threads, [&](size_t k, int) {
      StatusOr<ColumnVector> v = file.ReadColumn(g, wanted[k].second);
      if (v.ok()) {
        *wanted[k].first = std::move(*v);
      } else {
        decoded[k] = v.status();
      }
    });
    for (const Status& st : decoded) WV_RETURN_IF_ERROR(st);
    for (const auto& [column, index] : wanted) {
      const size_t n = std::max({column->bytes.size(), column->i64.size(), column->f64.size()});
      if (n != rows) {
        return InputError(fmt::format("column {} has {} values in a row group of {} rows",
                                      model::ColumnName(static_cast<model::FactColumn>(index)), n,
                                      rows));
      }
    }
    AddRowGroup(c, day);
    // A batch's rows are usually adjacent: count runs of one id.
    for (size_t i = 0, n = c.batch.bytes.size(); i < n;) {
      size_t j = i + 1;
      while (j < n && c.batch.bytes[j] == c.batch.bytes[i]) ++j;
      rows_by_batch_[std::string(c.batch.bytes[i])] += static_cast<int64_t>(j - i);
      i = j;
    }
  }
  return OkStatus();
}

namespace {

// A missing value of a required column: NULL, or an empty string.
bool Missing(const ColumnVector& v, size_t i, bool is_string) {
  return v.is_null(i) || (is_string && v.bytes[i].empty());
}

// The row of `key` in `map`, remembering the last key looked up (rows of a
// session are adjacent, so most lookups repeat the previous one).
struct CachedRow {
  std::string key;
  uint32_t row = kNoRow;
  bool valid = false;
  template <typename Map>
  uint32_t Find(const Map& map, std::string_view k) {
    if (!valid || k != key) {
      key.assign(k);
      const auto it = map.find(k);
      row = it == map.end() ? kNoRow : it->second;
      valid = true;
    }
    return row;
  }
};

}  // namespace

void FactRecount::AddRowGroup(const Columns& c, int64_t day) {
  const size_t n = c.epoch.i64.size();
  model::FactProfile& p = profile_;
  p.rows += static_cast<int64_t>(n);
  CachedRow user, word;
  // The rows of a session share their timestamp: the last epoch's lookup is
  // reused.
  int64_t last_epoch = 0;
  bool last_epoch_known = false, last_epoch_found = false;
  for (size_t i = 0; i < n; ++i) {
    const int64_t epoch = c.epoch.i64[i];
    const bool has_history = !c.history_pct.is_null(i);
    p.AddRow({.p_recall = c.p_recall.f64[i],
              .session_pct = c.session_pct.f64[i],
              .has_history_pct = has_history,
              .history_pct = has_history ? c.history_pct.f64[i] : 0.0,
              .delta = c.delta.i64[i],
              .session_seen = c.session_seen.i64[i],
              .session_correct = c.session_correct.i64[i],
              .history_seen = c.history_seen.i64[i],
              .history_correct = c.history_correct.i64[i],
              .epoch = epoch});
    p.empty_required_values += Missing(c.user, i, true) + Missing(c.learning, i, true) +
                               Missing(c.ui, i, true) + Missing(c.lexeme, i, true);
    rows_outside_partition_ += DaysFromEpochSeconds(epoch) != day;

    const uint32_t user_row = user.Find(dims_->users, c.user.bytes[i]);
    const uint32_t word_row = word.Find(dims_->words, c.lexeme.bytes[i]);
    coverage_.users += user_row != kNoRow;
    if (!last_epoch_known || epoch != last_epoch) {
      last_epoch = epoch;
      last_epoch_known = true;
      last_epoch_found = dims_->HasEpoch(epoch);
    }
    coverage_.times += last_epoch_found;
    coverage_.learning_langs += dims_->langs.contains(c.learning.bytes[i]);
    coverage_.ui_langs += dims_->langs.contains(c.ui.bytes[i]);
    coverage_.words += word_row != kNoRow;
    if (word_row != kNoRow && dims_->word_language[word_row] != c.learning.bytes[i]) {
      ++rows_other_language_;
      FlagOtherLanguage(word_row, c.lexeme.bytes[i]);
    }
    AddNaturalKey(c.user.bytes[i], epoch, c.lexeme.bytes[i], user_row, word_row);
  }
}

void FactRecount::FlagOtherLanguage(uint32_t word_row, std::string_view lexeme_id) {
  if (word_other_language_[word_row] != 0) return;
  word_other_language_[word_row] = 1;
  other_language_ids_.emplace_back(lexeme_id);
}

void FactRecount::AddNaturalKey(std::string_view user, int64_t epoch, std::string_view lexeme,
                                uint32_t user_row, uint32_t word_row) {
  const bool in_range = epoch >= traces::kMinTimestamp && epoch < traces::kMaxTimestampExclusive;
  if (user_row != kNoRow && word_row != kNoRow && in_range) {
    const uint64_t offset = static_cast<uint64_t>(epoch - traces::kMinTimestamp);
    packed_keys_.emplace_back((uint64_t{user_row} << 32) | offset, word_row);
    return;
  }
  std::string key = fmt::format("{}\n{}\n{}", epoch, user.size(), user);
  key.append(lexeme);
  collisions_ += !other_keys_.insert(std::move(key)).second;
}

void FactRecount::FinishPartition() {
  std::sort(packed_keys_.begin(), packed_keys_.end());
  for (size_t k = 1; k < packed_keys_.size(); ++k) {
    collisions_ += packed_keys_[k] == packed_keys_[k - 1];
  }
  std::vector<std::pair<uint64_t, uint32_t>>().swap(packed_keys_);
  absl::flat_hash_set<std::string>().swap(other_keys_);
}

void FactRecount::Merge(const FactRecount& o) { AddCounts(o.Counts({})); }

PartitionCounts FactRecount::Counts(std::vector<CountedFile> files) const {
  PartitionCounts p;
  std::sort(files.begin(), files.end(),
            [](const CountedFile& a, const CountedFile& b) { return a.path < b.path; });
  p.files = std::move(files);
  p.profile = profile_;
  p.coverage = coverage_;
  p.natural_key_collisions = collisions_;
  p.rows_other_language = rows_other_language_;
  p.rows_outside_partition = rows_outside_partition_;
  p.lexemes_other_language = other_language_ids_;
  std::sort(p.lexemes_other_language.begin(), p.lexemes_other_language.end());
  p.rows_by_batch = rows_by_batch_;
  return p;
}

void FactRecount::AddCounts(const PartitionCounts& r) {
  profile_.Merge(r.profile);
  coverage_.users += r.coverage.users;
  coverage_.times += r.coverage.times;
  coverage_.learning_langs += r.coverage.learning_langs;
  coverage_.ui_langs += r.coverage.ui_langs;
  coverage_.words += r.coverage.words;
  collisions_ += r.natural_key_collisions;
  rows_other_language_ += r.rows_other_language;
  rows_outside_partition_ += r.rows_outside_partition;
  for (const auto& [batch, rows] : r.rows_by_batch) rows_by_batch_[batch] += rows;
  for (const std::string& id : r.lexemes_other_language) {
    const auto it = dims_->words.find(id);
    if (it != dims_->words.end()) FlagOtherLanguage(it->second, id);
  }
}

int64_t FactRecount::lexemes_with_other_language() const {
  return std::count(word_other_language_.begin(), word_other_language_.end(), 1);
}

}  // namespace wv::run
