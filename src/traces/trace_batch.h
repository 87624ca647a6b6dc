#ifndef WV_TRACES_TRACE_BATCH_H_
#define WV_TRACES_TRACE_BATCH_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parquet/column_vector.h"
#include "traces/chunk_keys.h"
#include "traces/trace_schema.h"

// The hand-off from validation (src/traces) to modelling (src/model): one
// chunk of input, split into the rows that passed every rule (columnar, typed)
// and the rows that did not (with their reason). Chunks are numbered in input
// order so later stages can restore it.
//
// Not thread-safe: each batch is filled by one worker and then handed on.
namespace wv::traces {

// Accepted rows, one array per column, typed. Strings are stored as they
// appeared in the file after CSV unquoting.
struct TraceBatch {
  std::vector<double> p_recall;
  std::vector<int64_t> timestamp;  // UNIX seconds, UTC
  std::vector<int64_t> delta;      // seconds
  parquet::ByteArrayVector user_id;
  parquet::ByteArrayVector learning_language;
  parquet::ByteArrayVector ui_language;
  parquet::ByteArrayVector lexeme_id;
  parquet::ByteArrayVector lexeme_string;
  std::vector<int64_t> history_seen;
  std::vector<int64_t> history_correct;
  std::vector<int64_t> session_seen;
  std::vector<int64_t> session_correct;
  // Lineage: index into the run's input file list, and 1-based physical line
  // number of the row's first line in that file (the header is line 1).
  std::vector<uint32_t> source_file;
  std::vector<int64_t> line_number;

  size_t size() const { return timestamp.size(); }
};

// Calls fn(column) for every column of `batch` (a TraceBatch, const or not),
// in declaration order. The one list of TraceBatch's columns: code that
// treats every column alike (reserve, compact, clear, append) goes through
// it, so a new column cannot be missed. `fn` must accept each column type
// (std::vector<double|int64_t|uint32_t>, parquet::ByteArrayVector).
template <typename Batch, typename Fn>
void ForEachColumn(Batch& batch, Fn&& fn) {
  fn(batch.p_recall);
  fn(batch.timestamp);
  fn(batch.delta);
  fn(batch.user_id);
  fn(batch.learning_language);
  fn(batch.ui_language);
  fn(batch.lexeme_id);
  fn(batch.lexeme_string);
  fn(batch.history_seen);
  fn(batch.history_correct);
  fn(batch.session_seen);
  fn(batch.session_correct);
  fn(batch.source_file);
  fn(batch.line_number);
}

// Calls fn(a_column, b_column) for every column, pairing the same column of
// two batches (e.g. appending rows of one to the other).
template <typename BatchA, typename BatchB, typename Fn>
void ForEachColumnPair(BatchA& a, BatchB& b, Fn&& fn) {
  fn(a.p_recall, b.p_recall);
  fn(a.timestamp, b.timestamp);
  fn(a.delta, b.delta);
  fn(a.user_id, b.user_id);
  fn(a.learning_language, b.learning_language);
  fn(a.ui_language, b.ui_language);
  fn(a.lexeme_id, b.lexeme_id);
  fn(a.lexeme_string, b.lexeme_string);
  fn(a.history_seen, b.history_seen);
  fn(a.history_correct, b.history_correct);
  fn(a.session_seen, b.session_seen);
  fn(a.session_correct, b.session_correct);
  fn(a.source_file, b.source_file);
  fn(a.line_number, b.line_number);
}

// Rejected rows, in input order within the chunk.
struct QuarantineBatch {
  std::vector<uint32_t> source_file;
  std::vector<int64_t> line_number;
  std::vector<RejectReason> reason;
  parquet::ByteArrayVector detail;    // e.g. "field 3 (delta): '-5' is negative"
  parquet::ByteArrayVector raw_line;  // the row's bytes as read (without the line end)

  size_t size() const { return reason.size(); }

  // Appends one rejected row (the one place that lists the columns).
  void Add(uint32_t file, int64_t line, RejectReason why, std::string_view why_detail,
           std::string_view raw) {
    source_file.push_back(file);
    line_number.push_back(line);
    reason.push_back(why);
    detail.push_back(why_detail);
    raw_line.push_back(raw);
  }
  // Appends row `i` of `from`.
  void AddRowOf(const QuarantineBatch& from, size_t i) {
    Add(from.source_file[i], from.line_number[i], from.reason[i], from.detail[i], from.raw_line[i]);
  }
};

struct ValidatedChunk {
  uint64_t sequence = 0;  // 0, 1, 2, ... in input order across all files
  uint32_t source_file = 0;
  uint64_t input_rows = 0;   // data rows in this chunk (accepted + rejected)
  uint64_t blank_lines = 0;  // blank lines skipped (not rows)
  TraceBatch accepted;
  QuarantineBatch rejected;
  // The accepted rows' dimension keys, numbered by the validating worker
  // (not valid when the rows changed since, or nobody computed them).
  ChunkKeys keys;
};

}  // namespace wv::traces

#endif  // WV_TRACES_TRACE_BATCH_H_
