#ifndef WV_HLR_TRAINING_SET_H_
#define WV_HLR_TRAINING_SET_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/string_dictionary.h"
#include "hlr/block_vector.h"

// The rows half-life regression learns from, in input order, held compactly:
// what the models read (p_recall, delta, history counts, lexeme) packed in 24
// bytes a row, and what the outputs show (language pair, user, timestamp) in
// side columns, the strings dictionary-encoded. 34 bytes a row, in blocks
// that never move (hlr/block_vector.h): the real file's 12.85M rows take
// ~440 MB, where the reference script holds a Python object per row (~1 GB
// per million rows).
namespace wv::hlr {

// One row's model inputs. Plain data.
struct TraceRow {
  double p_recall;  // as read, not clipped
  uint32_t delta;   // seconds since the word was last seen
  uint32_t right;   // history_correct
  uint32_t wrong;   // history_seen - history_correct
  uint32_t lexeme;  // index into TrainingSet::lexemes
};
static_assert(sizeof(TraceRow) == 24);

// A lexeme feature as the reference keys it: the learning language and the
// lexeme string (lexeme_id is not used). Plain data.
struct LexemeKey {
  std::string learning_language;
  std::string lexeme_string;

  // "de:lernt/lernen<vblex><pri><p3><sg>", the reference's feature name.
  std::string FeatureName() const { return learning_language + ":" + lexeme_string; }
};

// A (learning, interface) language pair. Plain data.
struct LanguagePair {
  std::string learning;
  std::string ui;
};

// The rows and their dictionaries. Thread-compatible: immutable once built,
// so const access from several threads is safe.
struct TrainingSet {
  BlockVector<TraceRow> rows;       // input order
  BlockVector<uint16_t> pair;       // per row: index into pairs
  BlockVector<uint32_t> user;       // per row: index into users
  BlockVector<uint32_t> timestamp;  // per row: UNIX seconds (< 2^32 by the validation rules)
  std::vector<LanguagePair> pairs;  // in order of first appearance
  std::vector<std::string> users;   // in order of first appearance
  std::vector<LexemeKey> lexemes;   // in order of first appearance

  size_t size() const { return rows.size(); }
  // The reference's split: the first int(0.9 * N) rows train, the rest test.
  size_t train_size() const;
};

// Builds a TrainingSet row by row, encoding the strings (numbered in order
// of first appearance). Not thread-safe.
class TrainingSetBuilder {
 public:
  // The numbers of one accepted row. Plain data.
  struct Numbers {
    double p_recall = 0;
    int64_t timestamp = 0;
    int64_t delta = 0;
    int64_t history_seen = 0;
    int64_t history_correct = 0;
  };
  // One accepted row, strings included; the views need to stay valid for
  // the Add() call only. Plain data.
  struct Values {
    Numbers numbers;
    std::string_view user;
    std::string_view learning_language;
    std::string_view ui_language;
    std::string_view lexeme_string;
  };

  // The numbers the strings get (new ones are added to the dictionaries).
  uint32_t InternPair(std::string_view learning, std::string_view ui);
  uint32_t InternUser(std::string_view user);
  uint32_t InternLexeme(std::string_view learning, std::string_view lexeme_string);
  // The lexemes of `n` rows at once (learning(i), lexeme(i) give row i's
  // strings), into codes[0..n): a lexeme dictionary outgrows the cache, so
  // each lookup's slot is fetched a few rows ahead.
  template <typename Learning, typename Lexeme>
  void InternLexemes(size_t n, Learning learning, Lexeme lexeme, std::vector<uint32_t>& codes);

  // Appends a row whose strings were interned. InputError when a number is
  // outside what the validation of `run` accepts (negative, history_correct
  // above history_seen, a count or delta above 2^31 - 1, a timestamp not
  // below 2^32), which a star schema written by another tool could hold, or
  // when there are more than 65536 language pairs.
  Status AddRow(const Numbers& n, uint32_t pair, uint32_t user, uint32_t lexeme);
  // Interns the row's strings and appends it.
  Status Add(const Values& v) {
    return AddRow(v.numbers, InternPair(v.learning_language, v.ui_language), InternUser(v.user),
                  InternLexeme(v.learning_language, v.lexeme_string));
  }

  // The set built so far; the builder is left empty.
  TrainingSet Finish();

 private:
  // `key` is learning + ":" + lexeme string, the learning language being its
  // first `learning_size` bytes.
  uint32_t InternLexemeKey(std::string_view key, uint64_t hash, size_t learning_size);

  TrainingSet set_;
  StringDictionary pair_index_;  // "learning\0ui"
  StringDictionary user_index_;
  StringDictionary lexeme_index_;  // "learning:lexeme"
  std::string key_;                // scratch for composite keys
  // Consecutive rows often share the user (a session): its number is reused.
  std::string last_user_;
  uint32_t last_user_index_ = UINT32_MAX;
  std::string last_pair_;  // the same for the language pair ("learning\0ui")
  uint32_t last_pair_index_ = UINT32_MAX;
  std::string keys_;                    // scratch: a batch's lexeme keys back to back
  std::vector<uint32_t> key_ends_;      // scratch
  std::vector<uint32_t> key_learning_;  // scratch: the learning language's size
  std::vector<uint64_t> key_hashes_;    // scratch
};

template <typename Learning, typename Lexeme>
void TrainingSetBuilder::InternLexemes(size_t n, Learning learning, Lexeme lexeme,
                                       std::vector<uint32_t>& codes) {
  constexpr size_t kAhead = 8;
  keys_.clear();
  key_ends_.clear();
  key_hashes_.clear();
  key_learning_.clear();
  for (size_t i = 0; i < n; ++i) {
    const size_t start = keys_.size();
    const std::string_view language = learning(i);
    key_learning_.push_back(static_cast<uint32_t>(language.size()));
    keys_.append(language);
    keys_.push_back(':');
    keys_.append(lexeme(i));
    key_ends_.push_back(static_cast<uint32_t>(keys_.size()));
    key_hashes_.push_back(StringDictionary::Hash(std::string_view(keys_).substr(start)));
  }
  codes.resize(n);
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) lexeme_index_.Prefetch(key_hashes_[i + kAhead]);
    const size_t start = i == 0 ? 0 : key_ends_[i - 1];
    codes[i] = InternLexemeKey(std::string_view(keys_).substr(start, key_ends_[i] - start),
                               key_hashes_[i], key_learning_[i]);
  }
}

}  // namespace wv::hlr

#endif  // WV_HLR_TRAINING_SET_H_
