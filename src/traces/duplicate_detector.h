#ifndef WV_TRACES_DUPLICATE_DETECTOR_H_
#define WV_TRACES_DUPLICATE_DETECTOR_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "traces/validator.h"

// Rule 7 of the pipeline issue: a row equal in all 12 values (as text, after
// CSV unquoting) to an earlier accepted row of the run is a duplicate. The
// first occurrence is kept; every later one is quarantined as `duplicate`.
//
// Rows are compared by their RowFingerprint (traces/validator.h), so two rows
// that differ only in quoting or line ends are duplicates. Two fingerprints
// are the same row when both the 64-bit hash AND the 32-bit check agree; a
// collision of the hash alone is told apart by the check. The values
// themselves are not kept (they would cost the row's bytes per entry), so a
// collision of all 96 bits -- probability about n^2 / 2^97 for n distinct
// rows, 1e-15 for the real file -- would report a distinct row as a
// duplicate.
//
// Where rows are: a row's position is its run-wide line number (see
// RunLineNumbers), which orders any two rows of a run, whatever their file.
namespace wv::traces {

// Physical lines numbered across all inputs of a run, so that one integer
// orders and locates any row: file f's line L (1-based, the header is line
// 1) is run-wide line start(f) + L, and start(f + 1) = start(f) + the lines
// of file f (at least 1: its header).
// Not thread-safe: used by the in-order stage only.
class RunLineNumbers {
 public:
  explicit RunLineNumbers(size_t files) : start_(files, 0) {}

  // Records that the in-order stage has reached `file`: the files before it
  // are complete. lines_of(f) gives file f's physical lines (0 when f held
  // no rows, counted as its header's 1).
  // REQUIRES: files are reached in non-decreasing order.
  template <typename LinesOf>
  void Reach(uint32_t file, LinesOf&& lines_of) {
    for (; current_ < file; ++current_) {
      start_[current_ + 1] = start_[current_] + std::max<uint64_t>(1, lines_of(current_));
    }
  }

  // The run-wide line number just before file `file`'s line 1.
  // REQUIRES: `file` has been reached.
  uint64_t start(uint32_t file) const { return start_[file]; }

  struct FileLine {
    uint32_t file;
    int64_t line;
  };
  // The file and line of run-wide line `line` (as given by start() + line).
  // REQUIRES: 0 < line, and the line lies in a file reached so far.
  FileLine Locate(uint64_t line) const;

 private:
  std::vector<uint64_t> start_;
  uint32_t current_ = 0;  // the last file reached
};

// Finds the duplicates among accepted rows handed over in input order,
// remembering every distinct row seen so far.
//
// The state is one entry per distinct row: its fingerprint and the run-wide
// line of its first occurrence (16 bytes, plus a control byte per hash-table
// slot). Entries are independent and carry a totally ordered position, so
// the states of detectors that saw different shards of the input merge by
// keeping, per fingerprint, the entry with the smaller position: when the
// set would outgrow its memory budget, the in-order stage hands its entries
// to a SpilledDuplicates (traces/spilled_duplicates.h), which does exactly
// that on disk, and releases the set.
//
// Not thread-safe: call from one thread at a time (the in-order stage).
class DuplicateDetector {
 public:
  // A later occurrence of a row seen before.
  struct Duplicate {
    size_t row;  // index of the row in the checked span
    // Run-wide line of the first occurrence; 0 when it lies beyond 2^32 - 1
    // (positions are stored in 32 bits to keep entries at 16 bytes).
    uint32_t first_line;
    bool operator==(const Duplicate&) const = default;
  };

  DuplicateDetector() { new (&seen_) Set(); }
  ~DuplicateDetector() {
    if (!abandoned_) seen_.~Set();
  }
  DuplicateDetector(const DuplicateDetector&) = delete;
  DuplicateDetector& operator=(const DuplicateDetector&) = delete;

  // Makes room for `rows` distinct rows up front: growing later moves every
  // entry, and briefly needs the old and new tables at once.
  void Reserve(size_t rows) {
    try {
      seen_.reserve(rows);
    } catch (...) {
      abandoned_ = true;  // see seen_
      throw;
    }
  }

  // Checks rows in order: row i has `fingerprints[i]` and run-wide line
  // `line_start + lines[i]`. A row whose fingerprint was seen before (in an
  // earlier call or earlier in this one) is appended to `duplicates`, in
  // row order; any other row is remembered as the first occurrence.
  // REQUIRES: fingerprints.size() == lines.size(); calls come in input order.
  void Check(std::span<const RowFingerprint> fingerprints, uint64_t line_start,
             std::span<const int64_t> lines, std::vector<Duplicate>* duplicates);

  // Distinct rows remembered.
  size_t size() const { return seen_.size(); }

  // The most distinct rows a set of at most `bytes` holds: a table reserved
  // for them up front never grows (growing would hold two tables at once).
  static size_t MaxRowsWithin(size_t bytes);

  // Calls fn(fingerprint, first_line) for every distinct row remembered
  // (first_line 0 when beyond 2^32 - 1, see Duplicate), in no given order.
  template <typename Fn>
  void ForEachRow(Fn&& fn) const {
    for (const SeenRow& row : seen_) fn(RowFingerprint{row.hash, row.check}, row.first_line);
  }

  // Forgets every row and gives the table's memory back.
  void Release() {
    if (!abandoned_) Set().swap(seen_);
  }

 private:
  // An entry: a row's fingerprint and where it was first seen.
  struct SeenRow {
    uint64_t hash;
    uint32_t check;
    uint32_t first_line;
  };
  // The fingerprint's hash is already uniform: use it as the table's hash.
  struct SeenRowHash {
    size_t operator()(const SeenRow& row) const { return row.hash; }
  };
  // The same row: all 96 bits of the fingerprint agree.
  struct SameRow {
    bool operator()(const SeenRow& a, const SeenRow& b) const {
      return a.hash == b.hash && a.check == b.check;
    }
  };

  using Set = absl::flat_hash_set<SeenRow, SeenRowHash, SameRow>;
  // absl's raw_hash_set is not exception-safe: when growing it throws
  // std::bad_alloc, the table is left describing memory it does not own, and
  // destroying it frees a bad pointer (glibc aborts with "double free or
  // corruption" instead of the run failing cleanly). So after a throw the
  // set is abandoned: never touched or destroyed again. What it held leaks,
  // on a path that ends the run. (A union member: destroyed only by hand.)
  union {
    Set seen_;
  };
  bool abandoned_ = false;
};

}  // namespace wv::traces

#endif  // WV_TRACES_DUPLICATE_DETECTOR_H_
