// Feeds arbitrary bytes, as the content of a traces file after its header,
// through the chunker (at a fuzzer-chosen chunk size) and the validator, and
// checks the invariants the pipeline relies on:
//  - every row is accepted or rejected, never both, never lost;
//  - chunking does not change the outcome (same rows, lines, reasons as one
//    big chunk);
//  - line numbers increase and physical lines add up to the input's, blank
//    lines included (they are counted, never rows);
//  - every accepted row is usable: text without control characters, counts
//    within 32 bits (traces::kMaxCount).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/utf8.h"
#include "csv/chunker.h"
#include "traces/references.h"
#include "traces/validator.h"

namespace {

struct Outcome {
  std::vector<int64_t> accepted_lines;
  std::vector<std::pair<int64_t, int>> rejected;  // line, reason
  uint64_t rows = 0;
  uint64_t lines = 0;
  uint64_t blank_lines = 0;
};

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

Outcome Run(std::string_view body, size_t chunk_bytes, size_t step) {
  static const wv::traces::References refs;
  const std::string text = std::string(wv::traces::kTraceHeader) + "\n" + std::string(body);
  auto source = wv::io::OpenMemorySource(std::string(text), "memory", step);
  wv::csv::Chunker chunker(source.get(), chunk_bytes, wv::traces::kNumTraceColumns);
  auto header = chunker.ReadFirstLine();
  Check(header.ok() && header->has_value(), "header read");
  Check(wv::traces::CheckTraceHeader(**header, "fuzz").ok(), "header accepted");
  wv::traces::ChunkValidator validator(refs);
  wv::csv::ChunkBuffer chunk;
  Outcome outcome;
  int64_t line = 2;
  for (;;) {
    auto more = chunker.Next(&chunk);
    Check(more.ok(), "chunker never fails below its line limit");
    if (!*more) break;
    wv::traces::ValidatedChunk out;
    wv::traces::DedupInput dedup;
    validator.Validate(chunk.view(), 0, line, &out, &dedup);
    Check(out.accepted.size() + out.rejected.size() == out.input_rows, "rows accounted");
    Check(dedup.fingerprints.size() == out.accepted.size(), "one fingerprint per accepted row");
    Check(dedup.physical_lines >= out.input_rows, "a row spans at least one line");
    for (size_t i = 0; i < out.accepted.size(); ++i) {
      outcome.accepted_lines.push_back(out.accepted.line_number[i]);
      Check(out.accepted.p_recall[i] >= 0 && out.accepted.p_recall[i] <= 1, "p_recall domain");
      Check(out.accepted.session_correct[i] <= out.accepted.session_seen[i], "session domain");
      Check(out.accepted.session_seen[i] <= wv::traces::kMaxCount &&
                out.accepted.history_seen[i] <= wv::traces::kMaxCount &&
                out.accepted.delta[i] <= wv::traces::kMaxCount,
            "counts fit in 32 bits");
      for (const auto* column :
           {&out.accepted.user_id, &out.accepted.lexeme_string, &out.accepted.learning_language,
            &out.accepted.ui_language, &out.accepted.lexeme_id}) {
        Check(wv::FindControlCharacter((*column)[i]) == std::string_view::npos,
              "no control characters in accepted text");
      }
    }
    for (size_t i = 0; i < out.rejected.size(); ++i) {
      outcome.rejected.emplace_back(out.rejected.line_number[i],
                                    static_cast<int>(out.rejected.reason[i]));
      Check(!out.rejected.detail[i].empty(), "every rejection explained");
    }
    outcome.rows += out.input_rows;
    outcome.blank_lines += out.blank_lines;
    Check(dedup.physical_lines >= out.input_rows + out.blank_lines, "blank lines are lines");
    outcome.lines += dedup.physical_lines;
    line += static_cast<int64_t>(dedup.physical_lines);
  }
  Check(std::is_sorted(outcome.accepted_lines.begin(), outcome.accepted_lines.end()),
        "accepted in line order");
  Check(std::is_sorted(outcome.rejected.begin(), outcome.rejected.end()), "rejected in order");
  const uint64_t newlines = static_cast<uint64_t>(std::count(body.begin(), body.end(), '\n'));
  const uint64_t expected_lines = newlines + (!body.empty() && body.back() != '\n' ? 1 : 0);
  Check(outcome.lines == expected_lines, "physical lines add up");
  return outcome;
}

// Inputs stay small (so fuzzing stays fast), yet rows at and past the row
// limit are reached too: when the first byte's top bit is set, each
// "\xfe\xfe" in the input stands for csv::kMaxRowBytes bytes of 'x'.
std::string Expand(std::string_view input) {
  std::string body;
  for (size_t i = 0; i < input.size(); ++i) {
    if (input[i] == '\xfe' && i + 1 < input.size() && input[i + 1] == '\xfe') {
      body.append(wv::csv::kMaxRowBytes, 'x');
      ++i;
    } else {
      body.push_back(input[i]);
    }
  }
  return body;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const bool expand = (data[0] & 0x80) != 0;
  const size_t chunk_bytes = 1 + data[0] % 64;
  // Reads of a few bytes make 64 KiB rows slow to fuzz; a few KiB suffice there.
  const size_t step = (1 + data[1] % 17) * (expand ? 1000 : 1);
  const std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  const std::string expanded = expand ? Expand(input) : std::string(input);
  const std::string_view body = expanded;
  const Outcome whole = Run(body, size_t{1} << 20, size_t{1} << 20);
  const Outcome chunked = Run(body, chunk_bytes, step);
  Check(whole.rows == chunked.rows, "chunking keeps the row count");
  Check(whole.blank_lines == chunked.blank_lines, "chunking keeps the blank-line count");
  Check(whole.accepted_lines == chunked.accepted_lines, "chunking keeps accepted rows");
  Check(whole.rejected == chunked.rejected, "chunking keeps rejections");
  return 0;
}
