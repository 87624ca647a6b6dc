#ifndef WV_RUN_APPEND_H_
#define WV_RUN_APPEND_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "core/mutex.h"
#include "core/status.h"
#include "core/string_dictionary.h"
#include "io/byte_sink.h"
#include "io/output_store.h"
#include "model/star_builder.h"
#include "model/table_data.h"
#include "model/words_dimension.h"
#include "run/manifest.h"
#include "run/published_output.h"
#include "run/recount.h"
#include "traces/duplicate_history.h"
#include "traces/trace_batch.h"

// `run --append`: a new batch of traces added to a published output as if
// one run had read the earlier batches' inputs and then the new ones
// (docs/PIPELINE.md, Appending). The state that makes it so lives in DIR
// beside the tables, listed and checksummed in the manifest:
//   _state/dedup/date=YYYY-MM-DD/<batch>.fp   the fingerprints of the rows
//       each batch accepted on that day, with where each was read (rule 7
//       across batches); never rewritten, one file per batch and day;
//   _state/courses.tsv                        every (user, learning, ui)
//       course seen (dim_users.courses is their count per user);
//   _state/lexemes_with_several_strings.tsv   the lexeme_ids seen with more
//       than one lexeme_string (a count the files cannot give back);
//   _state/recount.json                       the recount of each fact
//       partition and quarantine file (run/recount_state.h), written by
//       the staged verification (run/pipeline) so that the next append
//       reads only what its batch writes.
// Runs with --append or --appendable write it (onto S3 through a local
// copy, run/s3_append.h, where each state file's name carries the version).
namespace wv::run {

// DIR's current version for an append, pinned (read under the writer lock,
// so no other writer can publish meanwhile); null when DIR is absent or an
// empty folder: the append starts a new output. An InputError when DIR has
// no valid manifest of ours. With `absent`, DIR holds part of the version
// (PublishedOutput::OpenPartial: an S3 append's copy, run/s3_append.h).
StatusOr<std::unique_ptr<PublishedOutput>> OpenPreviousVersion(
    const std::string& dir, const AbsentFileSource* absent = nullptr);

// For each of `inputs`, whether an earlier batch of `previous` read the
// same bytes (the same stored size and CRC-32, whatever the path): what
// makes appending it again a no-op. A local regular file is read for its
// CRC only when an earlier batch read an input of its size (a new day's file
// is then read once, by the ingest); stdin, pipes and other files that are
// not regular (reading them here would consume them) and s3:// inputs are
// never taken as appended.
StatusOr<std::vector<bool>> AlreadyAppended(const std::vector<std::string>& inputs,
                                            const Manifest& previous);

// The files of `previous` that an append reads whole before its ingest
// (BatchState::Load: every dimension file, and the state files but the
// fingerprints, which are read a day at a time as the batch's rows come).
std::vector<std::string> FilesReadBeforeIngest(const Manifest& previous);

// The four dimensions of `previous`, each of its files read once (dim_times
// and dim_words: the columns PreviousDimensions says); an InputError when a file does not read with
// its table's schema.
StatusOr<PreviousDimensions> ReadPreviousDimensions(const PublishedOutput& previous);

// The state of one batch: the earlier batches' duplicates and what this
// batch adds to the state; the merge of the dimensions with the previous
// version's (read once, in Load: previous_dimensions()). dim_times,
// dim_langs and dim_words only gain rows: the new version keeps the previous
// version's files of them and adds a file of this batch's new keys; dim_users
// is rewritten whole.
//
// Thread-safety: FindEarlier/Remember (the in-order stage) are called from
// one thread at a time, and Observe (the append's ChunkFeed, run/pipeline.cc)
// from one thread at a time, the two at once: they touch disjoint members
// (rule 7's days and writers; the courses, sessions and words), and only
// read what Load() set before the ingest; PrepareMerge once after
// the ingest; MergeDimension then from several threads at once (it only
// reads); WriteState once after the build.
class BatchState final : public traces::DuplicateHistory {
 public:
  // `previous` (null for a new output) must outlive the object; so must
  // `store`. `inputs` are this batch's, in order.
  BatchState(const PublishedOutput* previous, std::vector<std::string> inputs, std::string batch_id,
             io::OutputStore* store);
  ~BatchState() override;

  // Reads the previous version's dimensions, courses, words and
  // several-strings state. REQUIRES: before the ingest.
  Status Load();

  // The previous version's dimensions as Load() read them; null for a new
  // output.
  const PreviousDimensions* previous_dimensions() const {
    return previous_ == nullptr ? nullptr : &previous_dims_;
  }

  StatusOr<std::optional<std::string>> FindEarlier(
      int64_t epoch, const traces::RowFingerprint& fingerprint) override;
  Status Remember(int64_t epoch, const traces::RowFingerprint& fingerprint, uint32_t file,
                  int64_t line) override;

  // Accepted rows of this batch, in input order: their courses, their
  // sessions on days the previous version has, and their lexemes' first
  // strings and languages.
  void Observe(const traces::TraceBatch& accepted);

  // Reads the previous version's sessions of the days this batch touched.
  // REQUIRES: after the ingest, before MergeDimension.
  Status PrepareMerge();

  // Merges the previous version's rows of `table` into `data` (this batch's
  // rows of the dimension, built as if alone): dim_users whole (kWhole);
  // the others keep only the rows whose key the previous version lacks
  // (kAdded: the previous files are kept beside them).
  StatusOr<model::BuildOptions::DimensionRows> MergeDimension(std::string_view table,
                                                              model::TableData* data) const;

  // Closes this batch's fingerprint files and writes the courses and words
  // state; returns every state file of the new version (the previous ones
  // kept are added by the caller).
  StatusOr<std::vector<FileRecord>> WriteState();

  // The anomaly counts the files do not hold, for the whole output: lexemes
  // with several strings, and rows with a lexeme that disagrees with its
  // first string or language, this batch's added to the previous version's.
  int64_t lexemes_with_several_strings() const {
    return static_cast<int64_t>(several_strings_.size());
  }
  int64_t rows_with_conflicting_lexeme() const {
    return previous_conflicting_rows_ + conflicts_.rows_with_conflicting_lexeme;
  }

 private:
  struct Earlier {
    uint32_t input = 0;
    int64_t line = 0;
  };
  using DayFingerprints = absl::flat_hash_map<traces::RowFingerprint, Earlier>;
  struct DayWriter;
  // A lexeme's first occurrence over every batch: its string (in
  // word_strings_) and language.
  struct Word {
    uint64_t string_offset = 0;
    uint32_t string_length = 0;
    std::string language;
    bool several_strings = false, several_languages = false;  // LexemeConflicts' flags
  };

  StatusOr<const DayFingerprints*> LoadDay(int64_t day);
  void AddWord(std::string_view text, std::string_view language, bool several_strings);
  void ObserveWords(const traces::TraceBatch& accepted);
  Status LoadCourses();
  Status LoadWords();
  Status MergeUsers(const model::TableData& previous, model::TableData* data) const;

  const PublishedOutput* previous_;
  const Manifest* previous_manifest_ = nullptr;
  std::vector<std::string> all_inputs_;  // every batch's, this one's last
  uint32_t first_input_ = 0;             // this batch's first, in all_inputs_
  std::string batch_id_;
  io::OutputStore* store_;
  PreviousDimensions previous_dims_;

  // Rule 7 across batches.
  std::map<int64_t, std::vector<std::string>> previous_state_by_day_;  // the listed .fp files
  std::map<int64_t, DayFingerprints> loaded_days_;  // (a std::map: pointers into it stay valid)
  const DayFingerprints* last_loaded_ = nullptr;    // loaded_days_[last_loaded_day_]
  int64_t last_loaded_day_ = 0;
  std::map<int64_t, std::unique_ptr<DayWriter>> writers_;
  DayWriter* last_writer_ = nullptr;  // writers_[last_writer_day_]
  int64_t last_writer_day_ = 0;

  // dim_users: courses (user \t learning \t ui) and, for the days the
  // previous version has, this batch's sessions (user \0 epoch).
  std::string previous_courses_text_;                          // the earlier batches' courses file
  std::vector<std::string_view> previous_courses_;             // its lines, sorted
  absl::flat_hash_set<std::string_view> previous_course_set_;  // the same, to look up
  absl::flat_hash_set<std::string> new_courses_;               // this batch's others
  absl::flat_hash_set<int64_t> previous_days_;
  absl::flat_hash_set<std::string> batch_sessions_;
  absl::flat_hash_set<int64_t> touched_previous_days_;
  std::string last_course_;
  int64_t last_day_ = INT64_MIN;  // of the last row observed
  bool last_day_is_previous_ = false;
  // Per user: this batch's sessions that the previous version already had.
  model::StringMap<int64_t> repeated_sessions_;
  // Per user: the courses of this batch that the earlier batches lacked.
  model::StringMap<int64_t> new_courses_per_user_;

  // dim_words: every lexeme's first string and language, and the conflicts.
  StringDictionary word_ids_;  // lexeme_id -> its index in words_
  std::vector<Word> words_;
  std::string word_strings_;
  absl::flat_hash_set<std::string> several_strings_;  // over every batch
  int64_t previous_conflicting_rows_ = 0;
  model::LexemeConflicts conflicts_;  // this batch's rows, by the build's rule
};

// The previous version's files the new version keeps unchanged (fact files,
// quarantine files, the files of dim_times, dim_langs and dim_words,
// fingerprint files), hard-linked into `store`; their
// records are appended to *tables (by table) and *state, their paths added
// to *kept. A partial previous version's absent files (an S3 append's copy,
// PublishedOutput::IsAbsent) are not linked, only listed: their paths are
// added to *absent too, and the staged version lacks them (AbsentKeptFiles).
Status KeepPreviousFiles(const PublishedOutput& previous, io::OutputStore* store,
                         std::vector<TableRecord>* tables, std::vector<FileRecord>* state,
                         std::set<std::string>* kept, std::set<std::string>* absent);

// The kept files a staged version lacks (KeepPreviousFiles' *absent), for
// the staged verification's reads: each one read is linked into the staging
// folder from the previous version, which fetches it first. Those it never
// reads (the kept partitions and files taken as recorded, the fingerprints
// of other days) are never fetched: publishing lists them again by name.
// Thread-safe.
class AbsentKeptFiles final : public AbsentFileSource {
 public:
  // `previous` and `store` must outlive the object.
  AbsentKeptFiles(const PublishedOutput* previous, io::OutputStore* store,
                  std::set<std::string> absent);
  bool Knows(std::string_view relative) const override;
  Status Fetch(std::string_view relative, const std::string& root) const override;

 private:
  const PublishedOutput* previous_;
  io::OutputStore* store_;
  const std::set<std::string, std::less<>> absent_;
  mutable Mutex mu_;
  mutable std::set<std::string> linked_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wv::run

#endif  // WV_RUN_APPEND_H_
