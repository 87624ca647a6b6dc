#ifndef WV_HLR_EXPERIMENT_H_
#define WV_HLR_EXPERIMENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "hlr/evaluate.h"
#include "hlr/model.h"
#include "hlr/training_set.h"

// The experiment of the paper for one or more models: the first 90% of the
// rows (in input order) train, in one SGD pass over them shuffled by a seed
// (or in input order), and the last 10% test.
//
// Threads: the SGD pass of a model is sequential, so models train at the
// same time on different threads (and the test split's observed side is
// prepared meanwhile); shuffling, prediction and the statistics run on
// `threads` threads. No result depends on the thread count.
namespace wv::hlr {

struct ExperimentOptions {
  std::vector<ModelSpec> models;
  bool shuffle = true;  // false: train in input order (exact comparisons)
  uint64_t seed = 1;
  int threads = 2;
  int top_lexemes = 10;           // per language and kind
  uint64_t min_lexeme_rows = 30;  // training rows a lexeme needs to be ranked
  bool keep_predictions = false;  // keep the test split's predictions
};

// One model's outcome. Plain data (the model is immutable once trained).
struct ModelResult {
  Model model;
  Metrics metrics;
  TestPredictions predictions;              // empty unless keep_predictions
  std::vector<HalfLifeSummary> half_lives;  // empty for lr and constant
  std::vector<RankedLexeme> lexemes;        // empty without lexeme features
  double train_seconds = 0;
  double train_cpu_seconds = 0;  // CPU time of the training thread
  double evaluate_seconds = 0;   // predictions, metrics, half-lives, lexemes
};

struct ExperimentResult {
  uint64_t train_rows = 0;
  uint64_t test_rows = 0;
  std::vector<ModelResult> models;  // in options.models order
  TestObservations observed;        // the test split's observed side
  // Wall-clock seconds of each stage (all models together).
  double shuffle_seconds = 0;
  double train_seconds = 0;
  double evaluate_seconds = 0;
};

ExperimentResult RunExperiment(const TrainingSet& data, const ExperimentOptions& options);

}  // namespace wv::hlr

#endif  // WV_HLR_EXPERIMENT_H_
