#ifndef WV_ANALYTICS_FACT_SNAPSHOT_H_
#define WV_ANALYTICS_FACT_SNAPSHOT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/status.h"

// An in-memory projection of the star schema written by `wordviews run`
// (issue 4), for analysis: only the fact columns a query needs, from every
// Parquet file of every `date=` partition, decoded on several threads into
// columnar arrays, plus the few dimension fields the queries show. Strings
// that repeat (languages, users, lexemes) are dictionary-encoded into dense
// integer ids so that queries group by array index, not by hashing. Column
// names come from the star-schema contract (model/star_schema.h).
namespace wv::analytics {

// Which fact columns to load (a bit mask). Distinct from model::FactColumn,
// which numbers the columns of the fact table's files.
enum FactProjection : uint32_t {
  kLoadPair = 1u << 0,     // learning_language + ui_language -> pair id
  kLoadUser = 1u << 1,     // user_id -> dense user id
  kLoadEpoch = 1u << 2,    // epoch (UNIX seconds, UTC)
  kLoadDelta = 1u << 3,    // delta (seconds)
  kLoadPRecall = 1u << 4,  // p_recall
  kLoadSeen = 1u << 5,     // session_seen
  kLoadCorrect = 1u << 6,  // session_correct
  kLoadLexeme = 1u << 7,   // lexeme_id -> dense lexeme id
  kLoadHistory = 1u << 8,  // history_seen, history_correct
  kLoadLineage = 1u << 9,  // source_file -> dense file id, line_number
};

// A language pair, learning <- interface (ISO 639-1 codes). Plain data;
// thread-compatible.
struct LanguagePair {
  std::string learning;
  std::string ui;
};

// One row group of one fact file, decoded. Arrays not asked for are empty.
// Thread-compatible: written by the one worker that decodes it, then only read.
struct FactChunk {
  size_t rows = 0;
  std::vector<uint16_t> pair;    // index into FactTable::pairs
  std::vector<uint32_t> user;    // dense user id
  std::vector<uint32_t> lexeme;  // index into FactTable::lexeme_ids
  std::vector<int64_t> epoch;
  std::vector<int64_t> delta;
  std::vector<double> p_recall;
  std::vector<int32_t> seen;
  std::vector<int32_t> correct;
  std::vector<int32_t> history_seen;
  std::vector<int32_t> history_correct;
  std::vector<uint32_t> source_file;  // index into FactTable::source_files
  std::vector<int64_t> line_number;
};

// The loaded fact columns. Thread-compatible: immutable once loaded, so const
// access from many threads is safe.
struct FactTable {
  uint32_t projection = 0;  // FactProjection bits loaded
  int64_t num_rows = 0;
  std::vector<LanguagePair> pairs;              // sorted by (learning, ui)
  std::vector<std::string> learning_languages;  // sorted, distinct
  std::vector<std::string> ui_languages;        // sorted, distinct
  std::vector<uint16_t> pair_learning;          // pair id -> index into learning_languages
  std::vector<uint16_t> pair_ui;                // pair id -> index into ui_languages
  size_t num_users = 0;
  std::vector<std::string> user_ids;      // dense user id -> user_id string
  std::vector<std::string> lexeme_ids;    // dense lexeme id -> lexeme_id string
  std::vector<std::string> source_files;  // dense file id -> source_file string
  std::vector<FactChunk> chunks;          // in file order (sorted paths), then row group
};

// A row of dim_words, the fields the queries use. Plain data; thread-compatible.
struct WordInfo {
  std::string lexeme_string;
  std::optional<std::string> part_of_speech;
};

// Everything a query reads: the projected fact table and the dimension
// fields queries show. Thread-compatible: immutable once loaded, so const
// access from many threads is safe.
struct FactSnapshot {
  std::string dir;
  FactTable facts;
  // dim_langs: alpha2_code -> english_name.
  absl::flat_hash_map<std::string, std::string> language_names;
  // dim_words: lexeme_id -> info (loaded only when asked for).
  absl::flat_hash_map<std::string, WordInfo> words;
  bool words_loaded = false;

  // English name of an alpha-2 code, or nullopt if dim_langs lacks it.
  std::optional<std::string> LanguageName(const std::string& code) const;
};

// Checks that `dir` looks like a wordviews output (a fact_wordviews folder).
// InputError otherwise.
Status CheckStarSchemaDir(const std::string& dir);

// Loads the fact columns in `projection` (FactProjection bits) from every
// DIR/fact_wordviews/**/*.parquet, decoding row groups on `threads` threads,
// plus dim_langs, and dim_words when `load_words`.
// InputError for a missing folder, an unreadable/corrupt file, a missing
// column or a NULL in a required column.
StatusOr<FactSnapshot> LoadFactSnapshot(const std::string& dir, uint32_t projection,
                                        bool load_words, int threads = 2);

// Every *.parquet file under `folder` (recursively, Hive partitions included),
// sorted by path. InputError if `folder` is not a directory.
StatusOr<std::vector<std::string>> ListParquetFiles(const std::string& folder);

}  // namespace wv::analytics

#endif  // WV_ANALYTICS_FACT_SNAPSHOT_H_
