#ifndef WV_CSV_ROW_PARSER_H_
#define WV_CSV_ROW_PARSER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// RFC 4180 rows and fields.
//
// Where a row ends: at the first line end ("\n" or "\r\n") that is not inside
// a quoted field; a final line without a line end is a row too. As in RFC
// 4180, a quoted field starts with '"' right at the start of a field and ends
// at a '"' not followed by another (`""` is an escaped quote); a '"' anywhere
// else is a stray character that makes the row malformed but does not open a
// quoted field, so `u"x` costs one row. The chunker and the parser share
// ScanRow, so they always agree on row boundaries.
//
// Recovery from an unbalanced quote: a row that runs over several lines must
// be well formed (every quoted field closed and followed by ',' or the line
// end) and, when the caller knows it, have the expected number of fields;
// and it must end within kMaxRowBytes and before the end of the input.
// Otherwise the row ends at its FIRST line end and is reported malformed
// ("unbalanced quotes"). One stray quote therefore costs one row, not the
// rows up to the next quote in the file, and memory stays bounded.
//
// Row length: kMaxRowBytes bounds every row (without its line end). A row
// over several lines that would be longer ends at its first line end, as
// above. A single line that is longer is still one row; the caller rejects
// it (the traces validator as malformed), and csv::Chunker hands out only
// its first kMaxRowBytes + 2 bytes, so no buffer grows with a line.
//
// Blank lines: an empty line, or one holding only '\r', where a row would
// start is not a row. ScanRow sees it as a row of no content (so row
// boundaries do not depend on it); RowParser skips it and counts it in
// blank_lines(). A blank line inside a quoted field is part of the field.
namespace wv::csv {

// 64 KiB: a real row is about 95 bytes; and a text field no longer than this
// (less the 11 separators) fits Redshift's VARCHAR(65535).
inline constexpr size_t kMaxRowBytes = size_t{1} << 16;

// Where one row ends, as decided by ScanRow.
struct RowExtent {
  bool complete = false;  // false: more input is needed to decide
  size_t content = 0;     // bytes of the row without its line end
  size_t consumed = 0;    // bytes up to and including the line end
  uint32_t lines = 0;     // physical lines the row spans
  bool unbalanced = false;
};

// Decides where the row starting at data[0] ends. `at_eof` says whether
// `data` runs to the end of the input (otherwise an unfinished row is
// reported as incomplete). `expected_fields` (0 = any) is the field count a
// multi-line row must have.
RowExtent ScanRow(std::string_view data, bool at_eof, size_t expected_fields = 0);

// Offset just past the last complete row of `data` (0 if there is none), the
// split point of a chunk. REQUIRES: data starts at a row start.
size_t CompleteRowsPrefix(std::string_view data, size_t expected_fields = 0);

// One row of a RowParser, valid until the next call to Next().
struct Row {
  std::string_view raw;  // the row's bytes without the line end
  // Unquoted field values; only the first min(field_count, kMaxFields) are set.
  static constexpr size_t kMaxFields = 16;
  std::array<std::string_view, kMaxFields> fields;
  size_t field_count = 0;
  uint64_t first_line = 0;  // 0-based physical line of the row within the buffer
  uint32_t lines = 1;       // physical lines spanned
  // Empty when well formed; otherwise why the quoting is broken.
  std::string_view quote_error;
  // False only if every byte of `raw` is ASCII (found while splitting, so a
  // UTF-8 check can skip the common case). True means "may contain others".
  bool maybe_non_ascii = true;
  // False only if `raw` has no C0 control byte or DEL (found while
  // splitting, so the validator can skip its scan in the common case). The
  // '\r' of a CRLF line end sets it too. True means "may contain some".
  bool maybe_control = true;
};

// Splits a buffer of whole rows (a chunk, or a small file) into rows and
// fields. Quoted fields are unescaped into an internal buffer that is reused
// from row to row, so parsing does not allocate per row.
// Not thread-safe; cheap to create one per chunk.
class RowParser {
 public:
  // REQUIRES: `buffer` starts at a row start and outlives the parser.
  // `expected_fields` as for ScanRow; it only affects rows spanning lines.
  explicit RowParser(std::string_view buffer, size_t expected_fields = 0)
      : buffer_(buffer), expected_fields_(expected_fields) {}

  // Fills `row` with the next row, skipping blank lines; false at the end
  // of the buffer.
  bool Next(Row* row);

  // Physical lines consumed so far (blank lines included).
  uint64_t lines() const { return line_; }
  // Blank lines skipped so far.
  uint64_t blank_lines() const { return blank_lines_; }

 private:
  void ParseQuotedRow(Row* row);

  std::string_view buffer_;
  size_t expected_fields_;
  size_t pos_ = 0;
  uint64_t line_ = 0;
  uint64_t blank_lines_ = 0;
  std::string unescaped_;
};

}  // namespace wv::csv

#endif  // WV_CSV_ROW_PARSER_H_
