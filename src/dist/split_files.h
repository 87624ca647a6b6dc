#ifndef WV_DIST_SPLIT_FILES_H_
#define WV_DIST_SPLIT_FILES_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/status.h"
#include "dist/attempt_store.h"
#include "io/byte_sink.h"
#include "traces/duplicate_history.h"
#include "traces/trace_batch.h"

// The files a split of a distributed run (docs/DISTRIBUTED.md) exchanges
// with its scheduler, and the rule-7 link between the splits.
//
//   fingerprints.bin  one FingerprintRecord per first occurrence (rule 7)
//                     within the split, in input order: what the scheduler
//                     shuffles by hash to find the cross-split duplicates;
//   losers.tsv        written by the scheduler for a split: per fingerprint
//                     of the split whose first occurrence is in an earlier
//                     split, `hash \t check \t line \t path` of that first
//                     occurrence;
//   dims.bin          the split's accepted rows' dimension columns, in input
//                     order (DimensionRow records): what `merge` builds the
//                     four dimensions from, as one run would.
namespace wv::dist {

inline constexpr std::string_view kFingerprintsName = "fingerprints.bin";
inline constexpr std::string_view kDimsName = "dims.bin";
inline constexpr std::string_view kSplitOutputName = "out";

// A fingerprints.bin record (its `input` is 0).
using traces::FingerprintRecord;

// Rule 7 for one split: FindEarlier answers from the split's losers (the
// rows whose first occurrence lies in an earlier split), Remember records
// the split's own first occurrences when a sink is given.
// Not thread-safe: the in-order stage calls it from one thread.
class SplitHistory final : public traces::DuplicateHistory {
 public:
  // `fingerprints` may be null (nothing recorded).
  SplitHistory(std::unique_ptr<io::ByteSink> fingerprints);

  // Reads a losers.tsv. An InputError naming the file if it is malformed.
  Status LoadLosers(const std::string& path);
  size_t losers() const { return losers_.size(); }

  StatusOr<std::optional<std::string>> FindEarlier(
      int64_t epoch, const traces::RowFingerprint& fingerprint) override;
  Status Remember(int64_t epoch, const traces::RowFingerprint& fingerprint, uint32_t file,
                  int64_t line) override;

  // Writes what is buffered and closes the fingerprints sink.
  Status Close();

 private:
  std::unique_ptr<io::ByteSink> sink_;
  std::string buffer_;
  absl::flat_hash_map<traces::RowFingerprint, std::string> losers_;  // -> "line L in PATH"
};

// Appends the dimension columns of accepted rows to a dims.bin.
// Not thread-safe: one caller (the consumer of chunks).
class DimensionRowWriter {
 public:
  explicit DimensionRowWriter(std::unique_ptr<io::ByteSink> sink);
  Status Add(const traces::TraceBatch& accepted);
  Status Close();

 private:
  std::unique_ptr<io::ByteSink> sink_;
  std::string buffer_;
};

// Reads a dims.bin back as TraceBatches of about `rows_per_batch` rows with
// the columns model::DimensionBuilder reads (timestamp, user_id, the two
// languages, lexeme_id, lexeme_string); the others are left empty.
// Calls fn(batch) for each, in order. The file is streamed: memory is one
// batch and a read buffer (about 1 MiB), whatever its size; an s3:// object
// through ranged GETs bound to its ETag (io::OpenStoredSource). An
// InputError if the file is cut, or, with `expected` (its attempt's report),
// if its size or CRC-32 differs from the report's: known once the file is
// read, after fn has seen its rows (the caller's output is not published
// then).
Status ReadDimensionRows(const std::string& path, size_t rows_per_batch,
                         const std::function<Status(const traces::TraceBatch&)>& fn,
                         const WrittenFile* expected = nullptr);

}  // namespace wv::dist

#endif  // WV_DIST_SPLIT_FILES_H_
