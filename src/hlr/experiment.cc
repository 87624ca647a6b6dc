#include "hlr/experiment.h"

#include <optional>

#include "core/parallel.h"
#include "core/stopwatch.h"
#include "hlr/shuffle.h"

namespace wv::hlr {

namespace {

// Trains every model (one per thread at a time) while one task prepares the
// test split's observations.
void TrainAll(const TrainingSet& data, const ShuffledPass* shuffled,
              const ExperimentOptions& options, std::vector<ModelResult>& results,
              TestObservations& observed) {
  const size_t train_rows = data.train_size();
  ParallelFor(results.size() + 1, options.threads, [&](size_t task, int) {
    if (task == 0) {
      observed = ObserveTestSplit(data, 1);
      return;
    }
    ModelResult& r = results[task - 1];
    const Stopwatch watch;
    // The constant's mean is summed in input order whatever the seed.
    if (shuffled != nullptr && r.model.spec().Trains()) {
      shuffled->ForEachBucket(data.rows,
                              [&](std::span<const TraceRow> rows) { r.model.Train(rows); });
    } else {
      data.rows.ForEachSpan(0, train_rows,
                            [&](std::span<const TraceRow> rows) { r.model.Train(rows); });
    }
    r.train_seconds = watch.Seconds();
    r.train_cpu_seconds = watch.ThreadCpuSeconds();
  });
}

void EvaluateOne(const TrainingSet& data, const TestObservations& observed,
                 const ExperimentOptions& options, ModelResult& r) {
  const Stopwatch watch;
  const ModelSpec& spec = r.model.spec();
  TestPredictions predicted = PredictTestSplit(r.model, data, options.threads);
  r.metrics = ComputeMetrics(spec, observed, predicted, options.threads);
  if (spec.PredictsHalfLife()) r.half_lives = SummarizeHalfLives(r.model, data, options.threads);
  r.lexemes = RankLexemes(r.model, data, options.top_lexemes, options.min_lexeme_rows);
  if (options.keep_predictions) r.predictions = std::move(predicted);
  r.evaluate_seconds = watch.Seconds();
}

}  // namespace

ExperimentResult RunExperiment(const TrainingSet& data, const ExperimentOptions& options) {
  ExperimentResult out;
  out.train_rows = data.train_size();
  out.test_rows = data.size() - out.train_rows;
  Stopwatch watch;
  std::optional<ShuffledPass> shuffled;
  if (options.shuffle) shuffled.emplace(out.train_rows, options.seed, options.threads);
  out.shuffle_seconds = watch.Seconds();

  watch = Stopwatch();
  out.models.reserve(options.models.size());
  for (const ModelSpec& spec : options.models) {
    out.models.push_back(ModelResult{Model(spec, data.lexemes.size()), {}, {}, {}, {}, 0, 0});
  }
  TrainAll(data, shuffled ? &*shuffled : nullptr, options, out.models, out.observed);
  out.train_seconds = watch.Seconds();
  shuffled.reset();

  watch = Stopwatch();
  for (ModelResult& r : out.models) EvaluateOne(data, out.observed, options, r);
  out.evaluate_seconds = watch.Seconds();
  return out;
}

}  // namespace wv::hlr
