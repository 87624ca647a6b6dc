#ifndef WV_TRACES_DUPLICATE_HISTORY_H_
#define WV_TRACES_DUPLICATE_HISTORY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"
#include "traces/validator.h"

// Rule 7 across batches (`run --append`): the accepted rows of the earlier
// batches of an output, which a row of the new batch may repeat. The
// in-order stage asks it about every accepted row before its own duplicate
// set: a row equal to one of an earlier batch is a duplicate of that one
// (the earlier batches came first in the output's input order), whatever
// the batch itself holds; and it tells it every row it keeps, so the next
// batch can be checked against this one.
//
// A row's 12 values include its timestamp, so two equal rows lie on the
// same UTC day: implementations keep the fingerprints per day and load a
// day's only when a row of that day is first asked about (the cost follows
// the days of the batch, not the history).
//
// Not thread-safe: called from the in-order stage only (one thread at a time).
namespace wv::traces {

// One record of a fingerprint file, what the implementations write of each
// row they remember: its fingerprint and where it was read (its line, and
// its input's position in the list the file's writer keeps: the manifest's
// inputs in `run --append`'s _state/dedup files; 0 in a distributed run's
// fingerprints.bin, where spark/wordviews_spark.py calls it "reserved").
// 24 bytes in native byte order: little-endian on every machine the project
// builds for and Spark runs on.
struct FingerprintRecord {
  uint64_t hash = 0;
  uint32_t check = 0;
  uint32_t input = 0;
  int64_t line = 0;
};
static_assert(sizeof(FingerprintRecord) == 24);

class DuplicateHistory {
 public:
  virtual ~DuplicateHistory() = default;

  // Where the row with `fingerprint`, at UNIX second `epoch`, was first seen
  // in an earlier batch, as the duplicate's detail says it ("duplicate of
  // line L in PATH"), or nullopt when no earlier batch has it.
  virtual StatusOr<std::optional<std::string>> FindEarlier(int64_t epoch,
                                                           const RowFingerprint& fingerprint) = 0;

  // A row of this batch that is a first occurrence: line `line` of this
  // batch's input `file` (an index into its input list).
  virtual Status Remember(int64_t epoch, const RowFingerprint& fingerprint, uint32_t file,
                          int64_t line) = 0;
};

}  // namespace wv::traces

#endif  // WV_TRACES_DUPLICATE_HISTORY_H_
