#ifndef WV_MODEL_DIMENSIONS_H_
#define WV_MODEL_DIMENSIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "parquet/column_vector.h"
#include "traces/references.h"
#include "traces/trace_batch.h"

// Builds the dimension tables (dim_users, dim_times, dim_langs, dim_words)
// from the stream of accepted traces, and counts the anomalies that are
// reported rather than rejected. Memory grows with the distinct users,
// sessions, timestamps and words (and one 8-byte natural key per row for the
// collision count), not with the bytes of the input.
namespace wv::model {

// Transparent string hashing so maps keyed by std::string can be probed with
// a std::string_view without building a string.
struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const {
    return absl::Hash<absl::string_view>()(absl::string_view(s.data(), s.size()));
  }
};
struct StringViewEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};
template <typename V>
using StringMap = absl::flat_hash_map<std::string, V, StringViewHash, StringViewEq>;

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
DecodedLexeme DecodeLexeme(std::string_view lexeme_string, const traces::LexemeReference& tags);

// Counted anomalies (reported, not rejected).
struct DimensionAnomalies {
  int64_t natural_key_collisions = 0;        // rows whose (user_id, epoch, lexeme_id) came before
  int64_t lexemes_with_several_strings = 0;  // distinct lexeme_ids seen with >1 lexeme_string
  int64_t lexemes_with_several_languages = 0;
  int64_t rows_with_conflicting_lexeme =
      0;                                // rows disagreeing with the lexeme's first string/language
  int64_t words_with_unknown_tags = 0;  // set by BuildWords()
  int64_t unknown_tag_occurrences = 0;
  int64_t words_with_wildcards = 0;
  int64_t words_undecodable =
      0;  // lexeme_string not surface/lemma<tag>... (validation should prevent)
  int64_t languages_missing_from_reference = 0;  // set by BuildLangs()
};

// A built table: one ColumnVector per schema column.
struct TableData {
  std::vector<parquet::ColumnVector> columns;
  size_t rows = 0;
};

// Add() from one thread; not thread-safe.
class DimensionBuilder {
 public:
  // REQUIRES: *refs outlives the builder.
  explicit DimensionBuilder(const traces::References* refs) : refs_(refs) {}

  void Add(const traces::TraceBatch& batch);

  // Fact rows seen by Add().
  int64_t rows() const { return rows_; }

  // Each table in first-appearance order of its key. The "views" sums of
  // each dimension equal rows() — the quality checks verify it.
  TableData BuildUsers();
  TableData BuildTimes() const;
  TableData BuildLangs();
  TableData BuildWords();

  // Fact rows per key, summed over the keys each Build*() emitted; used to
  // prove every fact row's foreign key resolves to an emitted dimension row.
  struct KeyCoverage {
    int64_t users = 0, times = 0, learning_langs = 0, ui_langs = 0, words = 0;
  };
  const KeyCoverage& coverage() const { return coverage_; }
  // REQUIRES: after the last Add() (the first call settles the count).
  const DimensionAnomalies& anomalies() {
    Settle();
    return anomalies_;
  }

  size_t distinct_users() const { return users_.size(); }
  // REQUIRES: after the last Add().
  size_t distinct_sessions() {
    Settle();
    return distinct_sessions_;
  }

 private:
  struct UserStats {
    int64_t first_seen = 0, last_seen = 0, views = 0, sessions = 0, courses = 0;
  };
  struct WordStats {
    std::string lexeme_string;
    uint32_t language = 0;
    int64_t views = 0;
    bool several_strings = false, several_languages = false;
  };
  uint32_t UserIndex(std::string_view user_id);
  uint32_t LangIndex(std::string_view code);
  void AddRun(uint32_t user, int64_t epoch, uint32_t learning, uint32_t ui, int64_t rows);
  // Derives what needs every run at once -- sessions per user, natural-key
  // collisions of sessions whose rows are not all adjacent -- from the logs.
  // Idempotent until the next Add().
  void Settle();

  const traces::References* refs_;
  int64_t rows_ = 0;
  StringMap<uint32_t> users_;
  parquet::ByteArrayVector user_names_;
  std::vector<UserStats> user_stats_;
  // One entry per run of adjacent rows of one session (user << 32 | epoch
  // offset), and one per row (word index, top bit set on a run's first row):
  // sequential appends, 8 bytes a run plus 4 a row, in blocks to avoid large
  // reallocations. Sessions are counted from them at the end (a sort), so no
  // hash table of sessions is needed; collisions inside a run are counted on
  // the fly.
  std::vector<std::vector<uint64_t>> run_log_;
  std::vector<std::vector<uint32_t>> word_log_;
  absl::flat_hash_map<uint64_t, int64_t> run_collisions_by_session_;  // only sessions with any
  int64_t run_collisions_ = 0;
  bool settled_ = false;
  size_t distinct_sessions_ = 0;
  // The previous run's keys: rows of one user and one course come together.
  std::string last_user_name_;
  uint32_t last_user_ = UINT32_MAX;
  std::string last_learning_code_, last_ui_code_;
  uint32_t last_learning_ = UINT32_MAX, last_ui_ = UINT32_MAX;
  uint64_t last_course_ = UINT64_MAX;
  absl::flat_hash_set<uint64_t> courses_;        // (user, learning, ui)
  absl::flat_hash_map<int64_t, int64_t> times_;  // epoch -> rows
  std::vector<int64_t> time_order_;
  StringMap<uint32_t> langs_;
  std::vector<std::string> lang_codes_;
  std::vector<int64_t> lang_learning_rows_, lang_ui_rows_;
  StringMap<uint32_t> words_;
  std::vector<std::string> word_ids_;
  std::vector<WordStats> word_stats_;
  DimensionAnomalies anomalies_;
  mutable KeyCoverage coverage_;
};

}  // namespace wv::model

#endif  // WV_MODEL_DIMENSIONS_H_
