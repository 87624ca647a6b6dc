#ifndef WV_HLR_OUTPUT_H_
#define WV_HLR_OUTPUT_H_

#include <string>
#include <string_view>
#include <vector>

#include "analytics/result_table.h"
#include "core/status.h"
#include "hlr/evaluate.h"
#include "hlr/experiment.h"
#include "hlr/load.h"

// What `wordviews hlr` shows and writes: the metrics table (printed like a
// query: table, csv or json), and with --out DIR a folder published
// atomically (io::OutputStore) holding, per model, its weights, its hardest
// and easiest lexemes, its half-lives per pair and interface language and
// its test-split predictions, plus hlr.json, the summary that marks the
// folder as an hlr output (and that `report --hlr DIR` reads). Pure
// functions except WriteOutputFolder; thread-compatible.
namespace wv::hlr {

inline constexpr std::string_view kSummaryName = "hlr.json";
inline constexpr std::string_view kSummaryFormat = "wordviews-hlr";

// One row per model: the paper's Table 2 columns and the script's own.
analytics::ResultTable MetricsTable(const ExperimentResult& result);
// Every feature with its weight and number of SGD updates (lexemes: their
// training rows), in the reference's feature names.
analytics::ResultTable WeightsTable(const ModelResult& model, const TrainingSet& data);
analytics::ResultTable LexemesTable(const std::vector<RankedLexeme>& lexemes);
analytics::ResultTable HalfLivesTable(const std::vector<HalfLifeSummary>& half_lives);

// How the experiment was run, for hlr.json. Plain data.
struct RunDescription {
  std::vector<std::string> arguments;
  bool shuffle = true;
  uint64_t seed = 1;
  int threads = 2;  // for formatting the predictions
};

// Writes the folder `dir` (replacing a previous hlr output, an empty folder,
// or nothing; refusing anything else, as `run` does).
// REQUIRES: the results were computed with keep_predictions.
// Errors: OutputError.
Status WriteOutputFolder(const std::string& dir, const LoadedData& data,
                         const ExperimentResult& result, const RunDescription& run,
                         const std::vector<std::string>& inputs);

// hlr.json as text.
std::string SummaryJson(const LoadedData& data, const ExperimentResult& result,
                        const RunDescription& run);

// True when `text` is an hlr.json this program writes.
bool IsOwnSummary(std::string_view text);

// The half-lives of one model, as hlr.json records them. Plain data.
struct ModelHalfLives {
  std::string model;
  std::vector<HalfLifeSummary> half_lives;
};
// What the report shows from an hlr output. Plain data.
struct HlrOutputSummary {
  std::string source;
  std::vector<ModelHalfLives> models;  // the models with half-lives, in order
};
// Reads DIR/hlr.json. InputError when it is missing or not ours.
StatusOr<HlrOutputSummary> ReadOutputSummary(const std::string& dir);

}  // namespace wv::hlr

#endif  // WV_HLR_OUTPUT_H_
