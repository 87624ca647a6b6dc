#ifndef WV_TRACES_VALIDATOR_H_
#define WV_TRACES_VALIDATOR_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "csv/row_parser.h"
#include "traces/references.h"
#include "traces/trace_batch.h"

// Rules 1-6 of the pipeline issue, applied row by row to a chunk of a traces
// file. Rule 7 (duplicates) needs the whole input in order and lives in
// traces/duplicate_detector.h; the validator prepares it by fingerprinting
// accepted rows.
namespace wv::traces {

// A 96-bit identity of a row's 12 values (a 64-bit hash and an independent
// CRC-32C, both fixed functions of the bytes: the same in every process), the same whatever quoting
// or line end the row was written with. Equal values give equal fingerprints; different values
// collide with probability about n^2 / 2^97 over n distinct rows.
struct RowFingerprint {
  uint64_t hash = 0;
  uint32_t check = 0;
  bool operator==(const RowFingerprint&) const = default;
  // A key of abseil's hash containers (the earlier batches' and splits'
  // first occurrences).
  template <typename H>
  friend H AbslHashValue(H h, const RowFingerprint& f) {
    return H::combine(std::move(h), f.hash, f.check);
  }
};

// What duplicate detection (rule 7) needs of a validated chunk beyond the
// ValidatedChunk itself. It runs later, in input order, and must be able to
// quarantine a row it finds to be a duplicate with the row's raw bytes.
struct DedupInput {
  // One per accepted row, in order.
  std::vector<RowFingerprint> fingerprints;
  // Where each accepted row's raw bytes sit in the validated buffer (which
  // must outlive this), so a duplicate can be quarantined with its raw line.
  std::vector<uint64_t> raw_offset;
  std::vector<uint32_t> raw_length;
  // Physical lines in the buffer: the in-order stage turns the validator's
  // chunk-relative line numbers into file and run-wide ones with it.
  uint64_t physical_lines = 0;
};

// Checks the first line of a traces file (without its line end). Tolerates a
// UTF-8 byte-order mark and a trailing '\r'.
Status CheckTraceHeader(std::string_view line, std::string_view file_name);

// Validates chunks. Holds scratch buffers reused across rows and chunks.
// Not thread-safe: use one per worker thread. The References must outlive it.
class ChunkValidator {
 public:
  explicit ChunkValidator(const References& refs) : refs_(refs) {}

  // Validates every row of `rows` (whole CSV rows after the header) and
  // appends them to `out`: accepted rows to out->accepted, rejected ones to
  // out->rejected with the FIRST failing rule and a detail naming the field
  // and value. Row i's line number is `first_line` + its physical line
  // offset in `rows`. Increments out->input_rows. If `dedup` is not null,
  // appends to it what duplicate detection needs of the accepted rows.
  void Validate(std::string_view rows, uint32_t source_file, int64_t first_line,
                ValidatedChunk* out, DedupInput* dedup);

 private:
  // Appends what duplicate detection needs of the accepted `row` of `rows`.
  void AddDedupInput(std::string_view rows, const csv::Row& row, DedupInput* dedup);

  const References& refs_;
  std::string detail_;     // the current row's rejection detail (reused)
  std::string canonical_;  // scratch for the canonical text of a quoted row
};

// The validation primitives, exposed for tests and reuse.
namespace validation {

// p_recall syntax: [+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?  (no spaces, no
// nan/inf, no hex, no ".5" or "1."). Returns false if `text` does not match;
// otherwise *value is the nearest double (-0 as +0).
bool ParseDecimal(std::string_view text, double* value);

// Where the exact value of a decimal lies relative to [0, 1], decided on its
// digits, not on a rounded double: "1.00000000000000000001" is above (its
// double is 1.0), "-0.0" and "0e-999" are inside, "-1e-400" is below (its
// double is -0). Exponents of any length are handled.
// REQUIRES: `text` matches the ParseDecimal syntax.
enum class UnitInterval { kBelow, kInside, kAbove };
UnitInterval LocateInUnitInterval(std::string_view text);

enum class IntParse { kOk, kNotInteger, kOverflow };
// [+-]?[0-9]+ fitting in int64.
IntParse ParseInt64(std::string_view text, int64_t* value);

// 32 lowercase hex digits.
bool IsLexemeId(std::string_view text);

}  // namespace validation
}  // namespace wv::traces

#endif  // WV_TRACES_VALIDATOR_H_
