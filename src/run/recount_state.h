#ifndef WV_RUN_RECOUNT_STATE_H_
#define WV_RUN_RECOUNT_STATE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/build_stats.h"

// _state/recount.json: what the recount of `check` (run/recount.h) found in
// each fact partition and each quarantine file of a version, kept so that
// `run --append` recounts only what its batch touched and merges the
// recorded counts of the rest (docs/PIPELINE.md, Appending). Every count is
// one that merges by addition (or, for the lexemes seen with another
// language, by union), so the whole output's quality checks are the merge
// of its parts'. A record names the files it was counted from (path, rows,
// CRC-32, as the manifest lists them) and is reused only for exactly those
// files. `check` recomputes every record from the files and compares it
// with the stored one. Plain data; thread-compatible.
namespace wv::run {

inline constexpr std::string_view kRecountStatePath = "_state/recount.json";

// A file as the manifest lists it.
struct CountedFile {
  std::string path;
  int64_t rows = 0;
  uint32_t crc32 = 0;
  bool operator==(const CountedFile&) const = default;
};

// The recount of one fact partition (fact_wordviews/date=D/), all its files.
struct PartitionCounts {
  std::vector<CountedFile> files;  // sorted by path
  model::FactProfile profile;      // profile.rows: the partition's rows
  model::KeyCoverage coverage;     // against the dimensions of the version counted
  int64_t natural_key_collisions = 0;
  int64_t rows_other_language = 0;
  int64_t rows_outside_partition = 0;
  std::vector<std::string> lexemes_other_language;  // sorted
  std::map<std::string, int64_t> rows_by_batch;

  // Every row's foreign keys resolved when it was counted: then they still
  // resolve in a later version whose dimensions keep every earlier key.
  bool FullyCovered() const;
};

// The recount of one quarantine file.
struct QuarantineCounts {
  CountedFile file;
  std::map<std::string, int64_t> reasons;  // as RecountReasons counts them
  std::map<std::string, int64_t> batches;  // as RecountBatches counts them
};

struct RecountState {
  std::map<std::string, PartitionCounts> partitions;   // by folder, fact_wordviews/date=D
  std::map<std::string, QuarantineCounts> quarantine;  // by path
};

std::string RecountStateToJson(const RecountState& state);
// An InputError when `json` is not a recount state.
StatusOr<RecountState> RecountStateFromJson(std::string_view json);

// Whether two records hold the same counts (and files).
bool SameCounts(const PartitionCounts& a, const PartitionCounts& b);
bool SameCounts(const QuarantineCounts& a, const QuarantineCounts& b);

}  // namespace wv::run

#endif  // WV_RUN_RECOUNT_STATE_H_
