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

using parquet::AppendValues;
using parquet::ColumnVector;

constexpr uint32_t kNoRow = UINT32_MAX;

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
                                             const SortedKeys* kept_epochs) {
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
    if (kept_epochs->distinct) {  // the kept rows' keys: only the others are inserted
      r.keys.back().distinct_prefix_rows = kept_epochs->size();
      r.keys.back().in_distinct_prefix = [kept_epochs](int64_t v) {
        return kept_epochs->contains(v);
      };
    }
    from = times.kept->rows;
  }
  r.index.epochs.insert(epochs->i64.begin() + static_cast<std::ptrdiff_t>(from), epochs->i64.end());
  WV_RETURN_IF_ERROR(RecountLangs(langs, &r));
  WV_RETURN_IF_ERROR(RecountWords(words, &r));
  return r;
}

void SortedKeys::Assign(const std::vector<int64_t>& keys) {
  values = keys;
  if (!std::is_sorted(values.begin(), values.end())) std::sort(values.begin(), values.end());
  distinct = std::adjacent_find(values.begin(), values.end()) == values.end();
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

namespace {

// A string column of one row group as its distinct values and each row's
// entry among them: the file's dictionary when the column is
// dictionary-encoded (each value is then looked up once, not once a row), or
// one entry a row when it is not. Null rows have the last entry, "".
struct StringColumn {
  parquet::DictionaryColumn column;
  std::vector<std::string_view> values;  // views into column.dictionary (ViewValues)
  std::vector<uint32_t> entries;         // by row

  std::string_view at(size_t row) const { return values[entries[row]]; }
  size_t size() const { return entries.size(); }
};

}  // namespace

// The fact columns the recount reads, of one row group.
struct FactRecount::Columns {
  ColumnVector epoch, delta, p_recall, session_seen, session_correct, history_seen, history_correct,
      session_pct, history_pct;
  StringColumn user, learning, ui, lexeme, batch;
};

namespace {

StatusOr<StringColumn> ReadStrings(const parquet::FileReader& file, int row_group, int column) {
  StringColumn s;
  WV_ASSIGN_OR_RETURN(std::optional<parquet::DictionaryColumn> dict,
                      file.ReadDictionaryColumn(row_group, column));
  if (dict) {
    s.column = std::move(*dict);
  } else {
    WV_ASSIGN_OR_RETURN(ColumnVector v, file.ReadColumn(row_group, column));
    s.column.indices.resize(v.bytes.size());
    for (size_t i = 0; i < s.column.indices.size(); ++i) {
      s.column.indices[i] = static_cast<uint32_t>(i);
    }
    s.column.valid = std::move(v.valid);
    s.column.dictionary = std::move(v);
  }
  const uint32_t null_entry = static_cast<uint32_t>(s.column.dictionary.bytes.size());
  s.entries = std::move(s.column.indices);
  const std::vector<uint8_t>& valid = s.column.valid;
  if (!valid.empty() && valid.size() != s.entries.size()) {
    return InputError(fmt::format("column {}: {} validity entries for {} rows", column,
                                  valid.size(), s.entries.size()));
  }
  for (size_t i = 0; i < valid.size(); ++i) {
    if (valid[i] == 0) s.entries[i] = null_entry;
  }
  for (uint32_t e : s.entries) {
    if (e > null_entry) return InputError(fmt::format("column {}: an index out of range", column));
  }
  return s;
}

// Sets s->values: views into s->column, so only once it is where it stays
// (a moved std::string's small buffer moves with it).
void ViewValues(StringColumn* s) {
  const parquet::ByteArrayVector& values = s->column.dictionary.bytes;
  s->values.clear();
  s->values.reserve(values.size() + 1);
  for (size_t e = 0; e < values.size(); ++e) s->values.push_back(values[e]);
  s->values.emplace_back();
}

}  // namespace

FactRecount::FactRecount(const DimensionIndex* dims)
    : dims_(dims), word_other_language_(dims->word_language.size(), 0) {}

Status FactRecount::AddFile(const parquet::FileReader& file, int64_t day, int column_threads) {
  Columns c;
  const std::pair<ColumnVector*, int> numeric[] = {
      {&c.epoch, model::kFactEpoch},
      {&c.delta, model::kFactDelta},
      {&c.p_recall, model::kFactPRecall},
      {&c.session_seen, model::kFactSessionSeen},
      {&c.session_correct, model::kFactSessionCorrect},
      {&c.history_seen, model::kFactHistorySeen},
      {&c.history_correct, model::kFactHistoryCorrect},
      {&c.session_pct, model::kFactSessionPct},
      {&c.history_pct, model::kFactHistoryPct},
  };
  const std::pair<StringColumn*, int> strings[] = {
      {&c.user, model::kFactUserId},   {&c.learning, model::kFactLearningLanguage},
      {&c.ui, model::kFactUiLanguage}, {&c.lexeme, model::kFactLexemeId},
      {&c.batch, model::kFactBatchId},
  };
  const size_t tasks = std::size(numeric) + std::size(strings);
  for (int g = 0; g < file.num_row_groups(); ++g) {
    const size_t rows = static_cast<size_t>(file.row_group_num_rows(g));
    // The columns are decoded on up to `column_threads` threads (the
    // reader's const methods are thread-compatible), each into its own vector.
    std::vector<Status> decoded(tasks);
    ParallelFor(tasks, column_threads, [&](size_t k, int) {
      if (k < std::size(numeric)) {
        StatusOr<ColumnVector> v = file.ReadColumn(g, numeric[k].second);
        if (v.ok()) {
          *numeric[k].first = std::move(*v);
        } else {
          decoded[k] = v.status();
        }
        return;
      }
      const auto& [into, index] = strings[k - std::size(numeric)];
      StatusOr<StringColumn> v = ReadStrings(file, g, index);
      if (v.ok()) {
        *into = std::move(*v);
        ViewValues(into);
      } else {
        decoded[k] = v.status();
      }
    });
    for (const Status& st : decoded) WV_RETURN_IF_ERROR(st);
    const auto check_rows = [&](size_t n, int index) {
      return n == rows ? OkStatus()
                       : InputError(fmt::format(
                             "column {} has {} values in a row group of {} rows",
                             model::ColumnName(static_cast<model::FactColumn>(index)), n, rows));
    };
    for (const auto& [column, index] : numeric) {
      WV_RETURN_IF_ERROR(check_rows(
          std::max({column->bytes.size(), column->i64.size(), column->f64.size()}), index));
    }
    for (const auto& [column, index] : strings) {
      WV_RETURN_IF_ERROR(check_rows(column->size(), index));
    }
    AddRowGroup(c, day);
    std::vector<int64_t> per_batch(c.batch.values.size(), 0);
    for (uint32_t e : c.batch.entries) ++per_batch[e];
    for (size_t e = 0; e < per_batch.size(); ++e) {
      if (per_batch[e] > 0) rows_by_batch_[std::string(c.batch.values[e])] += per_batch[e];
    }
  }
  return OkStatus();
}

void FactRecount::AddRowGroup(const Columns& c, int64_t day) {
  const size_t n = c.epoch.i64.size();
  model::FactProfile& p = profile_;
  p.rows += static_cast<int64_t>(n);
  // Each distinct value's lookup, once.
  const auto per_value = [](const StringColumn& column, auto&& f) {
    using T = decltype(f(std::string_view()));
    std::vector<T> out;
    out.reserve(column.values.size());
    for (std::string_view v : column.values) out.push_back(f(v));
    return out;
  };
  const auto find_row = [](const auto& map) {
    return [&map](std::string_view v) {
      const auto it = map.find(v);
      return it == map.end() ? kNoRow : it->second;
    };
  };
  const auto is_lang = [this](std::string_view v) -> uint8_t { return dims_->langs.contains(v); };
  const auto is_empty = [](std::string_view v) -> uint8_t { return v.empty(); };
  const std::vector<uint32_t> user_rows = per_value(c.user, find_row(dims_->users));
  const std::vector<uint32_t> word_rows = per_value(c.lexeme, find_row(dims_->words));
  const std::vector<uint8_t> learning_known = per_value(c.learning, is_lang);
  const std::vector<uint8_t> ui_known = per_value(c.ui, is_lang);
  const std::vector<uint8_t> user_empty = per_value(c.user, is_empty);
  const std::vector<uint8_t> learning_empty = per_value(c.learning, is_empty);
  const std::vector<uint8_t> ui_empty = per_value(c.ui, is_empty);
  const std::vector<uint8_t> lexeme_empty = per_value(c.lexeme, is_empty);
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
    const uint32_t u = c.user.entries[i], w = c.lexeme.entries[i];
    const uint32_t l = c.learning.entries[i], ui = c.ui.entries[i];
    p.empty_required_values += user_empty[u] + learning_empty[l] + ui_empty[ui] + lexeme_empty[w];
    rows_outside_partition_ += DaysFromEpochSeconds(epoch) != day;

    const uint32_t user_row = user_rows[u];
    const uint32_t word_row = word_rows[w];
    coverage_.users += user_row != kNoRow;
    if (!last_epoch_known || epoch != last_epoch) {
      last_epoch = epoch;
      last_epoch_known = true;
      last_epoch_found = dims_->HasEpoch(epoch);
    }
    coverage_.times += last_epoch_found;
    coverage_.learning_langs += learning_known[l];
    coverage_.ui_langs += ui_known[ui];
    coverage_.words += word_row != kNoRow;
    if (word_row != kNoRow && dims_->word_language[word_row] != c.learning.values[l]) {
      ++rows_other_language_;
      FlagOtherLanguage(word_row, c.lexeme.values[w]);
    }
    AddNaturalKey(c.user.values[u], epoch, c.lexeme.values[w], user_row, word_row);
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

namespace {

// How many of `keys` (a partition's resolved natural keys in row order: the
// session, user row and epoch packed, then the word row) repeat a key
// before them: n - 1 for a key held n times. The rows of a session mostly
// come together, so the keys are taken in runs of one session: the runs
// are ordered by session and only each session's word rows (of all its
// runs together) are sorted, not the whole partition (a sort of the
// partition's keys was most of the staged verification's recount of a day).
int64_t CountRepeatedKeys(const std::vector<std::pair<uint64_t, uint32_t>>& keys) {
  struct Run {
    uint64_t session;
    size_t begin, end;  // [begin, end) in keys
  };
  std::vector<Run> runs;
  for (size_t i = 0; i < keys.size();) {
    size_t end = i + 1;
    while (end < keys.size() && keys[end].first == keys[i].first) ++end;
    runs.push_back(Run{keys[i].first, i, end});
    i = end;
  }
  std::sort(runs.begin(), runs.end(),
            [](const Run& a, const Run& b) { return a.session < b.session; });
  int64_t repeated = 0;
  std::vector<uint32_t> words;  // one session's word rows
  for (size_t r = 0; r < runs.size();) {
    size_t last = r + 1;
    while (last < runs.size() && runs[last].session == runs[r].session) ++last;
    words.clear();
    for (size_t k = r; k < last; ++k) {
      for (size_t i = runs[k].begin; i < runs[k].end; ++i) words.push_back(keys[i].second);
    }
    std::sort(words.begin(), words.end());
    for (size_t k = 1; k < words.size(); ++k) repeated += words[k] == words[k - 1];
    r = last;
  }
  return repeated;
}

}  // namespace

void FactRecount::FinishPartition() {
  collisions_ += CountRepeatedKeys(packed_keys_);
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
