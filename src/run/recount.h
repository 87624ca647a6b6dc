#ifndef WV_RUN_RECOUNT_H_
#define WV_RUN_RECOUNT_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "core/status.h"
#include "model/build_stats.h"
#include "model/table_data.h"
#include "parquet/reader.h"
#include "run/recount_state.h"

// For `check`: the statistics of a star-schema build recounted from the
// Parquet files alone, as a model::BuildStats, so that the functions that
// computed the run's quality checks (quality::EvaluateRunChecks) compute
// them again from what the files hold. The run counts while it builds; this
// counts what was written. The columns are looked up by position, so every
// file handed in must have the contract's schema (verify.cc checks it).
namespace wv::run {

// The files of one table that opened with the contract's schema, in
// manifest order, after the rows `kept` holds (when set: the rows of the
// table's files that a version kept unchanged from the previous one, as read
// from there once, PreviousDimensions; a column it does not hold may not be
// read). Thread-compatible (FileReader's const methods are).
struct OpenedTable {
  const model::TableData* kept = nullptr;
  std::vector<std::unique_ptr<parquet::FileReader>> files;
};

// Int64 keys kept sorted, looked up by binary search: cheaper to build than
// a hash set for the hundreds of thousands of dim_times keys an append keeps
// (they come sorted, or in a few sorted runs), and smaller.
struct SortedKeys {
  std::vector<int64_t> values;  // sorted
  bool distinct = true;         // no value repeats
  void Assign(const std::vector<int64_t>& keys);
  bool contains(int64_t v) const { return std::binary_search(values.begin(), values.end(), v); }
  size_t size() const { return values.size(); }
};

// The dimensions of the version `run --append` appends to, read once
// (run/append.h, ReadPreviousDimensions) and shared by the merge, the check
// that the new version keeps their keys and the staged verification, which
// takes the rows of the files the new version keeps unchanged from here
// instead of decoding them again. Immutable once read; thread-safe for reads.
struct PreviousDimensions {
  model::TableData users, langs;  // every column
  // The columns the merge, the words' state and the recount read: dim_words'
  // key, language, string, wildcard flags and unknown tags; dim_times' key.
  model::TableData words, times;
  SortedKeys epochs;                                                   // times' keys
  std::map<std::string, std::vector<std::string>, std::less<>> files;  // paths, by table
  const model::TableData& Of(std::string_view table) const;
};

// The dimension keys, for resolving the fact table's foreign keys.
// Immutable once built; thread-safe for reads.
struct DimensionIndex {
  model::StringMap<uint32_t> users;  // user_id -> its row
  // dim_times' keys: `epochs`, and those of `kept_epochs` when set (the
  // previous version's, whose files the new one keeps).
  absl::flat_hash_set<int64_t> epochs;
  const SortedKeys* kept_epochs = nullptr;
  bool HasEpoch(int64_t epoch) const {
    return epochs.contains(epoch) || (kept_epochs != nullptr && kept_epochs->contains(epoch));
  }
  absl::flat_hash_set<std::string, model::StringViewHash, model::StringViewEq> langs;
  model::StringMap<uint32_t> words;        // lexeme_id -> its row
  std::vector<std::string> word_language;  // dim_words.language, by row
};

// The dimension side of the recount: the key columns, their index, and the
// counts the run takes from the dimensions.
struct DimensionRecount {
  std::vector<model::DimensionKeys> keys;  // dim_users, dim_times, dim_langs, dim_words
  DimensionIndex index;
  int64_t user_views = 0;               // sum of dim_users.views: the rows the dimensions modelled
  model::DimensionAnomalies anomalies;  // the words' and languages' counts only
};

// Reads the key and count columns of the four dimension tables. With
// `kept_epochs` (the keys of times.kept, which must hold that table's kept
// rows), those keys are looked up there rather than indexed again.
// REQUIRES: every file has its table's contract schema.
StatusOr<DimensionRecount> RecountDimensions(const OpenedTable& users, const OpenedTable& times,
                                             const OpenedTable& langs, const OpenedTable& words,
                                             const SortedKeys* kept_epochs = nullptr);

// Quarantined rows per `batch_id` value as stored.
// REQUIRES: every file has the quarantine's contract schema.
StatusOr<std::map<std::string, int64_t>> RecountBatches(const OpenedTable& quarantine);

// Quarantined rows per `reason` value as stored (unknown values included).
// REQUIRES: every file has the quarantine's contract schema.
StatusOr<std::map<std::string, int64_t>> RecountReasons(const OpenedTable& quarantine);

// The fact side, one partition at a time (several FactRecounts may run on
// several threads; Merge() combines them). Thread-compatible.
class FactRecount {
 public:
  // REQUIRES: *dims outlives this object.
  explicit FactRecount(const DimensionIndex* dims);

  // Adds every row of `file`, a file of the partition of day `day` (days
  // since the epoch), its columns decoded on up to `column_threads` threads.
  // REQUIRES: the file has the fact table's contract schema.
  Status AddFile(const parquet::FileReader& file, int64_t day, int column_threads = 1);
  // Counts the natural-key collisions among the rows added since the last
  // call: rows of different days cannot collide (the epoch is in the key),
  // so the rows are kept for one partition at a time only.
  void FinishPartition();
  void Merge(const FactRecount& other);

  // What was counted, as the record of one partition counted from `files`.
  // REQUIRES: the rows of that partition alone were added, then
  // FinishPartition() was called.
  PartitionCounts Counts(std::vector<CountedFile> files) const;
  // Adds a partition recorded earlier instead of counting its files. Its
  // lexemes are looked up in this object's dimensions (one they lack is
  // counted nowhere: the caller checks that the dimensions kept them).
  void AddCounts(const PartitionCounts& recorded);

  const model::FactProfile& profile() const { return profile_; }
  const model::KeyCoverage& coverage() const { return coverage_; }
  int64_t natural_key_collisions() const { return collisions_; }
  // Distinct lexeme_ids seen with a learning_language other than their
  // dim_words.language (the lexeme's first), and the rows that have one.
  int64_t lexemes_with_other_language() const;
  int64_t rows_with_other_language() const { return rows_other_language_; }
  // Fact rows per batch_id value.
  const std::map<std::string, int64_t>& rows_by_batch() const { return rows_by_batch_; }
  // Rows whose epoch is not on their partition's day.
  int64_t rows_outside_partition() const { return rows_outside_partition_; }

 private:
  struct Columns;
  void AddRowGroup(const Columns& c, int64_t day);
  void FlagOtherLanguage(uint32_t word_row, std::string_view lexeme_id);
  void AddNaturalKey(std::string_view user, int64_t epoch, std::string_view lexeme,
                     uint32_t user_row, uint32_t word_row);

  const DimensionIndex* dims_;
  model::FactProfile profile_;
  model::KeyCoverage coverage_;
  int64_t collisions_ = 0;
  int64_t rows_other_language_ = 0;
  int64_t rows_outside_partition_ = 0;
  std::map<std::string, int64_t> rows_by_batch_;
  std::vector<uint8_t> word_other_language_;     // by dim_words row
  std::vector<std::string> other_language_ids_;  // the lexeme_ids flagged there, as flagged
  // The partition's natural keys: resolved ones packed (user row and epoch,
  // word row) for a sort; the others (a foreign key that does not resolve,
  // or an epoch out of range) as strings.
  std::vector<std::pair<uint64_t, uint32_t>> packed_keys_;
  absl::flat_hash_set<std::string> other_keys_;
};

}  // namespace wv::run

#endif  // WV_RUN_RECOUNT_H_
