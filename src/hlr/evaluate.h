#ifndef WV_HLR_EVALUATE_H_
#define WV_HLR_EVALUATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hlr/model.h"
#include "hlr/training_set.h"

// What a trained model is worth and what it says: the test-split metrics of
// the paper's Table 2, the model's half-lives per language pair and per
// interface language, and its hardest and easiest lexemes. Functions of a
// const model and data set; they parallelise over rows on `threads` threads
// and their results never depend on that number.
namespace wv::hlr {

// The observed side of the test split (rows [train_size, N)), computed once
// and shared by every model evaluated. Plain data; thread-compatible.
struct TestObservations {
  std::vector<double> p;        // clipped p_recall
  std::vector<double> h;        // observed half-life, days, clipped
  std::vector<uint8_t> label;   // round(p), as evaluation.r takes it for the AUC
  std::vector<double> h_ranks;  // average ranks of h (for Spearman)
};
TestObservations ObserveTestSplit(const TrainingSet& data, int threads);

// A model's predictions for the test split, row by row. Plain data.
struct TestPredictions {
  std::vector<double> p;
  std::vector<double> h;  // NaN for models without a half-life
};
TestPredictions PredictTestSplit(const Model& model, const TrainingSet& data, int threads);

// The metrics of one model on the test split. Plain data.
struct Metrics {
  uint64_t test_rows = 0;
  double mae_p = 0;             // mean |p − p̂|
  std::optional<double> auc;    // of round(p) against p̂; none for constant
  std::optional<double> cor_h;  // Spearman's ρ of h and ĥ; none without ĥ
  std::optional<double> mae_h;  // mean |h − ĥ|, days (the script prints it)
  // What experiment.py prints as cor(p) and cor(h): its "spearmanr" is
  // Pearson's r of the raw values.
  std::optional<double> script_cor_p;
  std::optional<double> script_cor_h;
};
Metrics ComputeMetrics(const ModelSpec& spec, const TestObservations& observed,
                       const TestPredictions& predicted, int threads);

// The model's predicted half-life over every row (train and test) of a
// language pair or of an interface language. Plain data.
struct HalfLifeSummary {
  std::string group;     // "pair" or "ui"
  std::string learning;  // "" for an interface-language row
  std::string ui;
  uint64_t rows = 0;
  double median_half_life_days = 0;  // the mean of the two middle values for an even count
  double mean_p_recall = 0;          // observed, as read
  double mean_predicted_p = 0;
};
// Pairs first (sorted by learning, then interface language), then interface
// languages (sorted). REQUIRES: model.spec().PredictsHalfLife().
std::vector<HalfLifeSummary> SummarizeHalfLives(const Model& model, const TrainingSet& data,
                                                int threads);

// A lexeme among the `top` lowest (hardest: shortest half-life, or lowest
// recall odds for lr) or highest (easiest) weights of its learning language,
// counting only lexemes with at least `min_rows` training rows. Plain data.
struct RankedLexeme {
  std::string learning;
  std::string kind;  // "hardest" or "easiest"
  int rank = 0;      // 1 = the hardest (easiest)
  std::string lexeme_string;
  double weight = 0;
  uint64_t train_rows = 0;
};
// Per learning language (sorted): the hardest, then the easiest. Empty for
// a model without lexeme features.
std::vector<RankedLexeme> RankLexemes(const Model& model, const TrainingSet& data, int top,
                                      uint64_t min_rows);

}  // namespace wv::hlr

#endif  // WV_HLR_EVALUATE_H_
