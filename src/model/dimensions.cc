#include "model/dimensions.h"

#include <algorithm>
#include <thread>

#include "core/civil_time.h"
#include "model/star_schema.h"
#include "traces/lexeme.h"
#include "traces/trace_schema.h"

namespace wv::model {
namespace {

void PushOptional(parquet::ColumnVector& col, const std::optional<std::string>& v) {
  col.bytes.push_back(v ? std::string_view(*v) : std::string_view());
  col.valid.push_back(v ? 1 : 0);
}

void PushNonEmpty(parquet::ColumnVector& col, std::string_view v) {
  col.bytes.push_back(v);
  col.valid.push_back(v.empty() ? 0 : 1);
}

std::optional<std::string> TagOrNull(std::string_view tag) {
  return tag.empty() ? std::nullopt : std::optional<std::string>(tag);
}

}  // namespace

DecodedLexeme DecodeLexeme(std::string_view s, const traces::LexemeReference& reference) {
  DecodedLexeme d;
  traces::LexemeParts parts;
  std::string_view error;
  if (!traces::ParseLexeme(s, &parts, &error)) return d;
  d.ok = true;
  d.surface = std::string(parts.surface);
  d.lemma = std::string(parts.lemma);
  d.part_of_speech = std::string(parts.part_of_speech());
  for (std::string_view m : parts.modifiers()) {
    d.modifiers.push_back('<');
    d.modifiers.append(m);
    d.modifiers.push_back('>');
  }
  d.surface_is_wildcard = parts.surface_is_wildcard;
  d.has_wildcard_tag = parts.has_wildcard_tag;
  const traces::LexemeMorphology m = traces::DecodeMorphology(parts, reference);
  if (m.part_of_speech != nullptr) d.pos_description = m.part_of_speech->description;
  d.gender = TagOrNull(m.gender);
  d.number = TagOrNull(m.number);
  d.person = TagOrNull(m.person);
  d.tense = TagOrNull(m.tense);
  d.grammatical_case = TagOrNull(m.grammatical_case);
  d.definiteness = TagOrNull(m.definiteness);
  d.unknown_tags = static_cast<int64_t>(m.unknown_tags);
  return d;
}

uint32_t DimensionBuilder::UserIndex(std::string_view user_id) {
  auto [it, inserted] = users_.try_emplace(user_id, static_cast<uint32_t>(user_stats_.size()));
  if (inserted) {
    user_names_.push_back(user_id);
    user_stats_.emplace_back();
  }
  return it->second;
}

uint32_t DimensionBuilder::LangIndex(std::string_view code) {
  auto [it, inserted] = langs_.try_emplace(code, static_cast<uint32_t>(lang_codes_.size()));
  if (inserted) {
    lang_codes_.emplace_back(code);
    lang_learning_rows_.push_back(0);
    lang_ui_rows_.push_back(0);
  }
  return it->second;
}

namespace {

constexpr uint32_t kRunStart = 0x80000000u;
constexpr size_t kLogBlock = size_t{1} << 20;

template <typename T>
void AppendToBlocks(std::vector<std::vector<T>>* blocks, T value) {
  if (blocks->empty() || blocks->back().size() == kLogBlock) {
    blocks->emplace_back();
    blocks->back().reserve(kLogBlock);
  }
  blocks->back().push_back(value);
}

// Sorts with both cores: halves in parallel, then a merge.
void ParallelSort(std::vector<uint64_t>* v) {
  const auto mid = v->begin() + static_cast<ptrdiff_t>(v->size() / 2);
  std::thread left([&] { std::sort(v->begin(), mid); });
  std::sort(mid, v->end());
  left.join();
  std::inplace_merge(v->begin(), mid, v->end());
}

}  // namespace

void DimensionBuilder::AddRun(uint32_t user, int64_t epoch, uint32_t learning, uint32_t ui,
                              int64_t rows) {
  UserStats& u = user_stats_[user];
  if (u.views == 0) {
    u.first_seen = u.last_seen = epoch;
  } else {
    u.first_seen = std::min(u.first_seen, epoch);
    u.last_seen = std::max(u.last_seen, epoch);
  }
  u.views += rows;
  // Validation bounds epochs to [2000, 2100), whose offsets fit in 32 bits.
  const uint64_t offset = static_cast<uint64_t>(epoch - traces::kMinTimestamp) & 0xffffffffu;
  AppendToBlocks(&run_log_, (static_cast<uint64_t>(user) << 32) | offset);
  const uint64_t course = (static_cast<uint64_t>(user) << 32) | (uint64_t{learning} << 16) | ui;
  if (course != last_course_) {
    if (courses_.insert(course).second) ++u.courses;
    last_course_ = course;
  }
  auto [tit, new_time] = times_.try_emplace(epoch, 0);
  tit->second += rows;
  if (new_time) time_order_.push_back(epoch);
  lang_learning_rows_[learning] += rows;
  lang_ui_rows_[ui] += rows;
}

void DimensionBuilder::Add(const traces::TraceBatch& b) {
  const size_t n = b.size();
  rows_ += static_cast<int64_t>(n);
  settled_ = false;
  std::vector<uint32_t> run_words;
  size_t i = 0;
  while (i < n) {
    // Rows of one session are usually adjacent: handle the run's user,
    // time and course once.
    const std::string_view user_name = b.user_id[i];
    const std::string_view learning_code = b.learning_language[i];
    const std::string_view ui_code = b.ui_language[i];
    const int64_t epoch = b.timestamp[i];
    size_t j = i + 1;
    while (j < n && b.timestamp[j] == epoch && b.user_id[j] == user_name &&
           b.learning_language[j] == learning_code && b.ui_language[j] == ui_code) {
      ++j;
    }
    if (last_user_ == UINT32_MAX || user_name != last_user_name_) {
      last_user_ = UserIndex(user_name);
      last_user_name_.assign(user_name);
    }
    if (last_learning_ == UINT32_MAX || learning_code != last_learning_code_) {
      last_learning_ = LangIndex(learning_code);
      last_learning_code_.assign(learning_code);
    }
    if (last_ui_ == UINT32_MAX || ui_code != last_ui_code_) {
      last_ui_ = LangIndex(ui_code);
      last_ui_code_.assign(ui_code);
    }
    const uint32_t learning = last_learning_;
    AddRun(last_user_, epoch, learning, last_ui_, static_cast<int64_t>(j - i));
    run_words.clear();
    int64_t collisions = 0;
    for (size_t r = i; r < j; ++r) {
      const std::string_view id = b.lexeme_id[r];
      const std::string_view text = b.lexeme_string[r];
      auto [wit, new_word] = words_.try_emplace(id, static_cast<uint32_t>(word_stats_.size()));
      const uint32_t word = wit->second;
      if (new_word) {
        word_ids_.emplace_back(id);
        word_stats_.push_back(WordStats{std::string(text), learning, 0, false, false});
      }
      WordStats& w = word_stats_[word];
      ++w.views;
      bool conflict = false;
      if (w.lexeme_string != text) {
        conflict = true;
        if (!w.several_strings) ++anomalies_.lexemes_with_several_strings;
        w.several_strings = true;
      }
      if (w.language != learning) {
        conflict = true;
        if (!w.several_languages) ++anomalies_.lexemes_with_several_languages;
        w.several_languages = true;
      }
      anomalies_.rows_with_conflicting_lexeme += conflict;
      // A run is a few rows: a linear scan finds repeats within it.
      for (uint32_t seen : run_words) {
        if (seen == word) {
          ++collisions;
          break;
        }
      }
      run_words.push_back(word);
      AppendToBlocks(&word_log_, r == i ? (word | kRunStart) : word);
    }
    if (collisions > 0) {
      run_collisions_ += collisions;
      run_collisions_by_session_[run_log_.back().back()] += collisions;
    }
    i = j;
  }
}

void DimensionBuilder::Settle() {
  if (settled_) return;
  settled_ = true;
  std::vector<uint64_t> sessions;
  size_t runs = 0;
  for (const auto& block : run_log_) runs += block.size();
  sessions.reserve(runs);
  for (const auto& block : run_log_) sessions.insert(sessions.end(), block.begin(), block.end());
  ParallelSort(&sessions);
  // Distinct sessions per user; sessions split over several runs.
  for (UserStats& u : user_stats_) u.sessions = 0;
  absl::flat_hash_set<uint64_t> split_sessions;
  distinct_sessions_ = 0;
  for (size_t k = 0; k < sessions.size(); ++k) {
    if (k > 0 && sessions[k] == sessions[k - 1]) {
      split_sessions.insert(sessions[k]);
      continue;
    }
    ++distinct_sessions_;
    ++user_stats_[sessions[k] >> 32].sessions;
  }
  std::vector<uint64_t>().swap(sessions);

  int64_t total = run_collisions_;
  if (!split_sessions.empty()) {
    // Recount split sessions from all their rows (which also covers the
    // repeats inside their runs, so those are taken out first).
    std::vector<std::pair<uint64_t, uint32_t>> keys;
    size_t run = 0;
    uint64_t session = 0;
    bool wanted = false;
    bool first = true;
    for (const auto& block : word_log_) {
      for (uint32_t w : block) {
        if (w & kRunStart) {
          if (!first) ++run;
          first = false;
          session = run_log_[run / kLogBlock][run % kLogBlock];
          wanted = split_sessions.contains(session);
        }
        if (wanted) keys.emplace_back(session, w & ~kRunStart);
      }
    }
    std::sort(keys.begin(), keys.end());
    for (size_t k = 1; k < keys.size(); ++k) total += keys[k] == keys[k - 1];
    for (uint64_t s : split_sessions) {
      if (auto it = run_collisions_by_session_.find(s); it != run_collisions_by_session_.end()) {
        total -= it->second;
      }
    }
  }
  anomalies_.natural_key_collisions = total;
}

TableData DimensionBuilder::BuildUsers() {
  Settle();
  TableData t;
  t.columns.resize(kNumUsersColumns);
  t.rows = user_stats_.size();
  t.columns[kUserId].bytes = user_names_;
  int64_t views = 0;
  for (const UserStats& u : user_stats_) {
    t.columns[kUserNumberOfSessions].i64.push_back(u.sessions);
    t.columns[kUserFirstSeen].i64.push_back(u.first_seen * 1000000);
    t.columns[kUserLastSeen].i64.push_back(u.last_seen * 1000000);
    t.columns[kUserViews].i64.push_back(u.views);
    t.columns[kUserCourses].i64.push_back(u.courses);
    views += u.views;
  }
  coverage_.users = views;
  return t;
}

TableData DimensionBuilder::BuildTimes() const {
  TableData t;
  t.columns.resize(kNumTimesColumns);
  t.rows = time_order_.size();
  int64_t rows = 0;
  for (int64_t epoch : time_order_) {
    const CivilTime c = CivilFromEpochSeconds(epoch);
    t.columns[kTimeEpoch].i64.push_back(epoch);
    t.columns[kTimeTimestamp].i64.push_back(epoch * 1000000);
    t.columns[kTimeHour].i32.push_back(c.hour);
    t.columns[kTimeDay].i32.push_back(c.day);
    t.columns[kTimeWeek].i32.push_back(c.iso_week);
    t.columns[kTimeMonth].i32.push_back(c.month);
    t.columns[kTimeYear].i32.push_back(c.year);
    t.columns[kTimeWeekday].i32.push_back(c.iso_weekday);
    t.columns[kTimeDate].i32.push_back(static_cast<int32_t>(c.days_since_epoch));
    t.columns[kTimeIsoYear].i32.push_back(c.iso_year);
    rows += times_.at(epoch);
  }
  coverage_.times = rows;
  return t;
}

TableData DimensionBuilder::BuildLangs() {
  TableData t;
  t.columns.resize(kNumLangsColumns);
  t.rows = lang_codes_.size();
  coverage_.learning_langs = coverage_.ui_langs = 0;
  anomalies_.languages_missing_from_reference = 0;
  static const traces::Language kUnknown;
  for (size_t i = 0; i < lang_codes_.size(); ++i) {
    const std::string& code = lang_codes_[i];
    const traces::Language* names = refs_->languages->Find(code);
    if (names == nullptr) {
      names = &kUnknown;
      ++anomalies_.languages_missing_from_reference;
    }
    t.columns[kLangAlpha2].bytes.push_back(code);
    PushNonEmpty(t.columns[kLangEnglishName], names->english_name);
    PushNonEmpty(t.columns[kLangFrenchName], names->french_name);
    PushNonEmpty(t.columns[kLangAlpha3B], names->alpha3_b);
    PushNonEmpty(t.columns[kLangAlpha3T], names->alpha3_t);
    coverage_.learning_langs += lang_learning_rows_[i];
    coverage_.ui_langs += lang_ui_rows_[i];
  }
  return t;
}

TableData DimensionBuilder::BuildWords() {
  TableData t;
  t.columns.resize(kNumWordsColumns);
  t.rows = word_stats_.size();
  auto& c = t.columns;
  anomalies_.words_with_unknown_tags = anomalies_.unknown_tag_occurrences = 0;
  anomalies_.words_with_wildcards = anomalies_.words_undecodable = 0;
  int64_t rows = 0;
  for (size_t i = 0; i < word_stats_.size(); ++i) {
    const WordStats& w = word_stats_[i];
    const DecodedLexeme d = DecodeLexeme(w.lexeme_string, *refs_->lexemes);
    anomalies_.words_undecodable += !d.ok;
    anomalies_.words_with_unknown_tags += d.unknown_tags > 0;
    anomalies_.unknown_tag_occurrences += d.unknown_tags;
    anomalies_.words_with_wildcards += d.surface_is_wildcard || d.has_wildcard_tag;
    c[kWordLexemeId].bytes.push_back(word_ids_[i]);
    c[kWordLanguage].bytes.push_back(lang_codes_[w.language]);
    c[kWordLexemeString].bytes.push_back(w.lexeme_string);
    c[kWordSurface].bytes.push_back(d.surface);
    c[kWordLemma].bytes.push_back(d.lemma);
    c[kWordPartOfSpeech].bytes.push_back(d.part_of_speech);
    PushOptional(c[kWordPosDescription], d.pos_description);
    c[kWordModifiers].bytes.push_back(d.modifiers);
    PushOptional(c[kWordGender], d.gender);
    PushOptional(c[kWordNumber], d.number);
    PushOptional(c[kWordPerson], d.person);
    PushOptional(c[kWordTense], d.tense);
    PushOptional(c[kWordCase], d.grammatical_case);
    PushOptional(c[kWordDefiniteness], d.definiteness);
    c[kWordSurfaceIsWildcard].bools.push_back(d.surface_is_wildcard);
    c[kWordHasWildcardTag].bools.push_back(d.has_wildcard_tag);
    c[kWordUnknownTags].i64.push_back(d.unknown_tags);
    rows += w.views;
  }
  coverage_.words = rows;
  return t;
}

}  // namespace wv::model
