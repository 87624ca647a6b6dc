#ifndef WV_MODEL_WORDS_DIMENSION_H_
#define WV_MODEL_WORDS_DIMENSION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/string_dictionary.h"
#include "model/langs_dimension.h"
#include "model/table_data.h"
#include "traces/lexeme_reference.h"

// WordsAccumulator: the rows of dim_words, one per distinct lexeme_id in
// order of first appearance, keeping the first lexeme_string and learning
// language seen with it (later disagreements are counted as anomalies, not
// rejected). The lexeme_string is decoded into its columns when the table is
// built. Memory: one entry (with its string) per distinct word.
//
// Add() runs once per fact row, so its lookups stay in few cache lines: the
// ids live in a StringDictionary (an 8-byte slot, then the id in one arena)
// and the first lexeme_strings back to back in another arena, rather than
// a std::string object each (a heap pointer to chase per row: 15% of a
// run's CPU once, measured with perf, docs/BENCHMARKS.md).
//
// Thread-compatible: one thread adds; after the last add, the const members
// may be called from several threads at once.
namespace wv::model {

// The decoded columns of one lexeme_string (see DecodeLexeme).
struct DecodedLexeme {
  bool ok = false;  // false: not of the form surface/lemma<tag>...
  std::string surface, lemma, part_of_speech, modifiers;
  std::optional<std::string> pos_description;
  // The first tag of each morphology category, e.g. gender = "f".
  std::optional<std::string> gender, number, person, tense, grammatical_case, definiteness;
  bool surface_is_wildcard = false;
  bool has_wildcard_tag = false;
  int64_t unknown_tags = 0;  // tags that are neither in the reference nor wildcards
};

// Splits `lexeme_string` (surface/lemma<pos><mod>...) with the trace parser
// and decodes its tags against the reference. The first tag is the part of
// speech, the rest the modifiers, kept as written ("<pri><p3><sg>").
// Thread-safe.
DecodedLexeme DecodeLexeme(std::string_view lexeme_string, const traces::LexemeReference& tags);

// The rows of a lexeme that disagree with its first occurrence (another
// lexeme_string, or another learning language), and the lexemes that had
// such rows: the one rule of the build (WordsAccumulator) and of `run
// --append`, which applies it against the first occurrence over every batch
// (run/append.h). Plain data; thread-compatible.
struct LexemeConflicts {
  int64_t lexemes_with_several_strings = 0;
  int64_t lexemes_with_several_languages = 0;
  int64_t rows_with_conflicting_lexeme = 0;

  // Counts one row of a lexeme whose string (language) differs from its
  // first occurrence's when `other_string` (`other_language`); the lexeme's
  // flags *several_strings and *several_languages make it count once.
  void Add(bool other_string, bool other_language, bool* several_strings, bool* several_languages) {
    AddRows(other_string, other_language, 1, several_strings, several_languages);
  }
  // As Add for `rows` rows alike.
  void AddRows(bool other_string, bool other_language, int64_t rows, bool* several_strings,
               bool* several_languages) {
    lexemes_with_several_strings += other_string && !*several_strings;
    lexemes_with_several_languages += other_language && !*several_languages;
    *several_strings = *several_strings || other_string;
    *several_languages = *several_languages || other_language;
    rows_with_conflicting_lexeme += (other_string || other_language) ? rows : 0;
  }
};

class WordsAccumulator {
 public:
  // Counts one fact row of `lexeme_id` with `lexeme_string`, learning
  // `language` (a LangsAccumulator index); returns the word's index (0, 1,
  // ... in order of first appearance).
  uint32_t Add(std::string_view lexeme_id, std::string_view lexeme_string, uint32_t language) {
    return AddHashed(lexeme_id, HashId(lexeme_id), lexeme_string, language);
  }
  // As Add, with hash = HashId(lexeme_id) computed by the caller, who may
  // have called PrefetchSlot(hash) some rows earlier and PrefetchEntry(hash)
  // a few rows earlier: a row otherwise waits on up to four cache misses
  // (the dictionary slot, the id, the word's stats, its first string) in a
  // table larger than the core's L2 at the real vocabulary.
  uint32_t AddHashed(std::string_view lexeme_id, uint64_t hash, std::string_view lexeme_string,
                     uint32_t language) {
    const uint32_t word = Intern(lexeme_id, hash, lexeme_string, language);
    AddRows(word, lexeme_string, language, 1);
    return word;
  }
  // Add() in two steps, for a caller that has counted a chunk's rows of a
  // word (traces/chunk_keys.h): the index of `lexeme_id`, added with
  // `lexeme_string` and `language` as its first occurrence when new (with
  // no rows yet), then `rows` rows of `word` with `lexeme_string` in
  // `language`, compared with the first occurrence as Add() compares each.
  // REQUIRES (AddRows): word was returned by Intern(); rows > 0.
  uint32_t Intern(std::string_view lexeme_id, uint64_t hash, std::string_view lexeme_string,
                  uint32_t language);
  void AddRows(uint32_t word, std::string_view lexeme_string, uint32_t language, int64_t rows);
  static uint64_t HashId(std::string_view lexeme_id) { return StringDictionary::Hash(lexeme_id); }
  void PrefetchSlot(uint64_t hash) const { ids_.Prefetch(hash); }
  // REQUIRES: PrefetchSlot(hash) was called (else this waits on the slot).
  void PrefetchEntry(uint64_t hash) const {
    const uint32_t word = ids_.PrefetchProbable(hash);
    if (word == UINT32_MAX) return;
    const WordStats& w = stats_[word];
    __builtin_prefetch(&w);
    __builtin_prefetch(strings_.data() + w.string_offset);
  }

  size_t size() const { return stats_.size(); }

  // Disagreements with a word's first occurrence, counted by Add().
  using Conflicts = LexemeConflicts;
  const Conflicts& conflicts() const { return conflicts_; }

  struct Built {
    TableData table;
    int64_t rows_covered = 0;  // fact rows of the emitted words
    int64_t words_with_unknown_tags = 0;
    int64_t unknown_tag_occurrences = 0;
    int64_t words_with_wildcards = 0;
    int64_t words_undecodable = 0;
  };
  // dim_words, decoded against `tags`; `langs` names the language indices.
  // REQUIRES: `langs` is the accumulator whose indices were passed to Add().
  Built Build(const traces::LexemeReference& tags, const LangsAccumulator& langs) const;

 private:
  struct WordStats {
    uint64_t string_offset = 0;  // the first lexeme_string, in strings_
    uint32_t string_length = 0;
    uint32_t language = 0;
    int64_t views = 0;
    bool several_strings = false, several_languages = false;
  };
  std::string_view LexemeString(const WordStats& w) const {
    return std::string_view(strings_.data() + w.string_offset, w.string_length);
  }

  StringDictionary ids_;  // code = the word's index
  std::string strings_;   // every word's first lexeme_string, back to back
  std::vector<WordStats> stats_;
  Conflicts conflicts_;
};

}  // namespace wv::model

#endif  // WV_MODEL_WORDS_DIMENSION_H_
