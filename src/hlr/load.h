#ifndef WV_HLR_LOAD_H_
#define WV_HLR_LOAD_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "hlr/training_set.h"
#include "traces/ingest.h"
#include "traces/trace_schema.h"

// Where the rows come from: raw learning traces, validated exactly as `run`
// validates them (the traces module's ingest: rules 1-7, rejected rows
// excluded and counted), or the fact table of a published star schema,
// restored to the input order. The reference script reads every row without
// any validation; on a clean file the two agree row for row.
namespace wv::hlr {

// What was read, and how many rows were left out. Plain data.
struct LoadedData {
  TrainingSet set;
  std::string source;       // "traces: a.csv, b.csv" or "star: DIR", for the summary
  uint64_t input_rows = 0;  // data rows read (star: the run's input rows when known)
  uint64_t rejected_rows = 0;
  std::array<uint64_t, static_cast<size_t>(traces::RejectReason::kNumReasons)> rejected_by_reason{};
  std::string note;  // a warning for the user ("" when none)
  double seconds = 0;
};

struct TraceInput {
  std::vector<std::string> paths;  // files, globs or "-", as `run --traces` takes them
  std::string lexemes_path;        // "" = bundled
  std::string languages_path;      // "" = bundled
  int threads = 2;
  std::function<void(const traces::IngestProgress&)> progress = {};
};

// Reads and validates the traces. InputError for an unreadable or corrupt
// input, a bad header, or a bad reference file.
StatusOr<LoadedData> LoadTraces(const TraceInput& input);

// Reads the fact table of the star schema in `dir` (through
// run::OpenVerifiedOutput: a damaged output is refused with a MismatchError)
// and puts its rows back in input order: by the position of `source_file`
// among the manifest's inputs, then `line_number` (fact files are
// partitioned by day, which is not the input order). Lexeme features are
// keyed by the row's learning language and the lexeme string of its
// lexeme_id in dim_words.
StatusOr<LoadedData> LoadStar(const std::string& dir, int threads);

}  // namespace wv::hlr

#endif  // WV_HLR_LOAD_H_
