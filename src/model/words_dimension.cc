#include "model/words_dimension.h"

#include "model/star_schema.h"
#include "traces/lexeme.h"

namespace wv::model {
namespace {

void PushOptional(parquet::ColumnVector& col, const std::optional<std::string>& v) {
  col.bytes.push_back(v ? std::string_view(*v) : std::string_view());
  col.valid.push_back(v ? 1 : 0);
}

std::optional<std::string> TagOrNull(std::string_view tag) {
  return tag.empty() ? std::nullopt : std::optional<std::string>(tag);
}

// Appends one dim_words row for the word `id` decoded as `d`.
void PushWordRow(std::string_view id, std::string_view language, std::string_view lexeme_string,
                 const DecodedLexeme& d, std::vector<parquet::ColumnVector>& c) {
  c[kWordLexemeId].bytes.push_back(id);
  c[kWordLanguage].bytes.push_back(language);
  c[kWordLexemeString].bytes.push_back(lexeme_string);
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

uint32_t WordsAccumulator::Intern(std::string_view id, uint64_t hash, std::string_view text,
                                  uint32_t language) {
  bool inserted = false;
  const uint32_t word = ids_.InternHashed(id, hash, &inserted);
  if (inserted) {
    stats_.push_back(
        WordStats{strings_.size(), static_cast<uint32_t>(text.size()), language, 0, false, false});
    strings_.append(text);
  }
  return word;
}

void WordsAccumulator::AddRows(uint32_t word, std::string_view text, uint32_t language,
                               int64_t rows) {
  WordStats& w = stats_[word];
  w.views += rows;
  conflicts_.AddRows(!SameBytes(LexemeString(w), text), w.language != language, rows,
                     &w.several_strings, &w.several_languages);
}

WordsAccumulator::Built WordsAccumulator::Build(const traces::LexemeReference& tags,
                                                const LangsAccumulator& langs) const {
  Built b;
  TableData& t = b.table;
  t.columns.resize(kNumWordsColumns);
  t.rows = stats_.size();
  for (size_t i = 0; i < stats_.size(); ++i) {
    const WordStats& w = stats_[i];
    const std::string_view lexeme_string = LexemeString(w);
    const DecodedLexeme d = DecodeLexeme(lexeme_string, tags);
    b.words_undecodable += !d.ok;
    b.words_with_unknown_tags += d.unknown_tags > 0;
    b.unknown_tag_occurrences += d.unknown_tags;
    b.words_with_wildcards += d.surface_is_wildcard || d.has_wildcard_tag;
    PushWordRow(ids_.value(static_cast<uint32_t>(i)), langs.code(w.language), lexeme_string, d,
                t.columns);
    b.rows_covered += w.views;
  }
  return b;
}

}  // namespace wv::model
