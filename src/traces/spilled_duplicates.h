#ifndef WV_TRACES_SPILLED_DUPLICATES_H_
#define WV_TRACES_SPILLED_DUPLICATES_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/status.h"
#include "traces/external_sort.h"
#include "traces/validator.h"

// SpilledDuplicates: rule 7 (duplicates) for more distinct rows than the
// memory budget holds. It is told every accepted row (its fingerprint and
// run-wide line) and decides nothing on the way; Resolve() sorts the
// occurrences by fingerprint on disk (traces/external_sort.h), keeps the
// earliest of each fingerprint as the row's first occurrence, and sorts the
// others -- the duplicates -- by line, which Next() hands back in order.
//
// The result is exactly DuplicateDetector's (traces/duplicate_detector.h):
// same rows found, same first occurrences. It does not depend on the budget,
// nor on how the input was split between sorters: runs of occurrences
// sorted by (fingerprint, line) merge into the one answer, which is how
// shards of one input checked apart (on other cores or machines) make the
// duplicates of a single run.
//
// Memory: the budget, shared by its two sorters. Not thread-safe.
namespace wv::traces {

class SpilledDuplicates {
 public:
  // A duplicate at run-wide `line` of the row first seen at `first_line`.
  struct Found {
    uint64_t line;
    uint64_t first_line;
  };

  // Spills to files `folder/dups-*` (the folder is the run's own).
  SpilledDuplicates(const std::string& folder, size_t memory_bytes);

  // An accepted row at run-wide `line`, first occurrence or not, in any
  // order. REQUIRES: before Resolve(); no two rows at the same line.
  Status Add(const RowFingerprint& fingerprint, uint64_t line) {
    return occurrences_.Add(Occurrence{fingerprint.hash, line, fingerprint.check, 0});
  }

  // Changes the budget (each sorter's half of it). REQUIRES: before Resolve().
  void SetMemoryBytes(size_t memory_bytes) {
    occurrences_.SetMemoryBytes(memory_bytes / 2);
    duplicates_.SetMemoryBytes(memory_bytes / 2);
  }

  // Finds the duplicates. REQUIRES: called once, after the last Add().
  Status Resolve();

  // The next duplicate in line order: true, or false after the last.
  StatusOr<bool> Next(Found* out) { return duplicates_.Next(out); }

  size_t runs_written() const { return occurrences_.runs_written() + duplicates_.runs_written(); }

 private:
  struct Occurrence {
    uint64_t hash;
    uint64_t line;
    uint32_t check;
    uint32_t unused;
  };
  // By fingerprint, then line: the first of a fingerprint's group is its
  // first occurrence (lines are unique, so the order is total).
  struct ByFingerprint {
    bool operator()(const Occurrence& a, const Occurrence& b) const {
      if (a.hash != b.hash) return a.hash < b.hash;
      if (a.check != b.check) return a.check < b.check;
      return a.line < b.line;
    }
  };
  struct ByLine {
    bool operator()(const Found& a, const Found& b) const { return a.line < b.line; }
  };

  ExternalSorter<Occurrence, ByFingerprint> occurrences_;
  ExternalSorter<Found, ByLine> duplicates_;
};

}  // namespace wv::traces

#endif  // WV_TRACES_SPILLED_DUPLICATES_H_
