#include "hlr/evaluate.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/parallel.h"
#include "hlr/metrics.h"

namespace wv::hlr {

namespace {

constexpr size_t kBlockRows = 65536;

size_t BlockCount(size_t n) { return (n + kBlockRows - 1) / kBlockRows; }

// The median of `values` (reordered): the mean of the two middle values for
// an even count. REQUIRES: !values.empty().
double MedianInPlace(double* first, double* last) {
  const size_t n = static_cast<size_t>(last - first);
  double* mid = first + (n - 1) / 2;
  std::nth_element(first, mid, last);
  if (n % 2 == 1) return *mid;
  const double upper = *std::min_element(mid + 1, last);
  return (*mid + upper) / 2.0;
}

// Row counts and sums of one block of rows, per pair.
struct BlockTotals {
  std::vector<uint64_t> rows;
  std::vector<double> p_recall;
  std::vector<double> predicted_p;
};

// The pairs in the order their half-lives are laid out: by interface
// language, then learning language, so that each interface language's rows
// are one contiguous stretch.
std::vector<uint32_t> UiMajorPairOrder(const TrainingSet& data) {
  std::vector<uint32_t> order(data.pairs.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const LanguagePair &x = data.pairs[a], &y = data.pairs[b];
    return std::tie(x.ui, x.learning) < std::tie(y.ui, y.learning);
  });
  return order;
}

}  // namespace

TestObservations ObserveTestSplit(const TrainingSet& data, int threads) {
  const size_t first = data.train_size(), n = data.size() - first;
  TestObservations o;
  o.p.resize(n);
  o.h.resize(n);
  o.label.resize(n);
  ParallelFor(BlockCount(n), threads, [&](size_t b, int) {
    const size_t end = std::min(n, (b + 1) * kBlockRows);
    for (size_t i = b * kBlockRows; i < end; ++i) {
      const Observation obs = Observe(data.rows[first + i]);
      o.p[i] = obs.p;
      o.h[i] = obs.h;
      o.label[i] = RoundedLabel(obs.p);
    }
  });
  o.h_ranks = AverageRanks(o.h);
  return o;
}

TestPredictions PredictTestSplit(const Model& model, const TrainingSet& data, int threads) {
  const size_t first = data.train_size(), n = data.size() - first;
  TestPredictions out;
  out.p.resize(n);
  out.h.resize(n);
  ParallelFor(BlockCount(n), threads, [&](size_t b, int) {
    const size_t end = std::min(n, (b + 1) * kBlockRows);
    for (size_t i = b * kBlockRows; i < end; ++i) {
      const Prediction pr = model.Predict(data.rows[first + i]);
      out.p[i] = pr.p;
      out.h[i] = pr.h;
    }
  });
  return out;
}

Metrics ComputeMetrics(const ModelSpec& spec, const TestObservations& observed,
                       const TestPredictions& predicted, int threads) {
  Metrics m;
  m.test_rows = observed.p.size();
  if (m.test_rows == 0) {
    m.mae_p = std::nan("");
    return m;
  }
  m.mae_p = MeanAbsoluteError(observed.p, predicted.p);
  m.script_cor_p = PearsonCorrelation(observed.p, predicted.p);
  const bool ranks_p = spec.method != Method::kConstant;
  const bool has_h = spec.PredictsHalfLife();
  if (has_h) {
    m.mae_h = MeanAbsoluteError(observed.h, predicted.h);
    m.script_cor_h = PearsonCorrelation(observed.h, predicted.h);
  }
  // The two sorts (AUC's of p̂, Spearman's of ĥ) are independent.
  ParallelFor(2, threads, [&](size_t task, int) {
    if (task == 0 && ranks_p) m.auc = AreaUnderRoc(observed.label, predicted.p);
    if (task == 1 && has_h) m.cor_h = SpearmanFromRanks(observed.h_ranks, predicted.h);
  });
  return m;
}

namespace {

// Every row's predicted half-life, laid out pair by pair (pairs in
// UiMajorPairOrder, so an interface language's pairs are contiguous), and
// per block of rows and pair the counts and sums of observed and predicted p.
// Thread-compatible once built.
struct PredictedHalfLives {
  std::vector<double> values;
  std::vector<uint32_t> layout;      // pairs in the order of `values`
  std::vector<uint64_t> pair_start;  // per pair: where its values start
  std::vector<uint64_t> pair_rows;
  std::vector<BlockTotals> totals;  // per block of rows

  // Σ of a per-block sum over the blocks, in block order.
  double Sum(std::vector<double> BlockTotals::*field, uint32_t pair) const {
    double sum = 0;
    for (const BlockTotals& t : totals) sum += (t.*field)[pair];
    return sum;
  }
};

PredictedHalfLives PredictAllRows(const Model& model, const TrainingSet& data, int threads) {
  const size_t n = data.size(), pairs = data.pairs.size(), blocks = BlockCount(n);
  PredictedHalfLives out;
  out.totals.resize(blocks);
  // Pass 1: rows per (block, pair), for the layout.
  ParallelFor(blocks, threads, [&](size_t b, int) {
    BlockTotals& t = out.totals[b];
    t.rows.assign(pairs, 0);
    const size_t end = std::min(n, (b + 1) * kBlockRows);
    for (size_t i = b * kBlockRows; i < end; ++i) ++t.rows[data.pair[i]];
  });
  // Where each (block, pair) part starts: a block's rows of a pair go after
  // the earlier blocks' (positions do not depend on the thread count).
  out.layout = UiMajorPairOrder(data);
  out.pair_start.assign(pairs, 0);
  out.pair_rows.assign(pairs, 0);
  std::vector<std::vector<uint64_t>> cursor(blocks, std::vector<uint64_t>(pairs));
  uint64_t offset = 0;
  for (uint32_t pair : out.layout) {
    out.pair_start[pair] = offset;
    for (size_t b = 0; b < blocks; ++b) {
      cursor[b][pair] = offset;
      offset += out.totals[b].rows[pair];
    }
    out.pair_rows[pair] = offset - out.pair_start[pair];
  }
  // Pass 2: every row's prediction; half-lives scattered by pair, p summed.
  out.values.resize(n);
  ParallelFor(blocks, threads, [&](size_t b, int) {
    BlockTotals& t = out.totals[b];
    t.p_recall.assign(pairs, 0.0);
    t.predicted_p.assign(pairs, 0.0);
    std::vector<uint64_t>& at = cursor[b];
    const size_t end = std::min(n, (b + 1) * kBlockRows);
    for (size_t i = b * kBlockRows; i < end; ++i) {
      const uint16_t pair = data.pair[i];
      const Prediction pr = model.Predict(data.rows[i]);
      out.values[at[pair]++] = pr.h;
      t.p_recall[pair] += data.rows[i].p_recall;
      t.predicted_p[pair] += pr.p;
    }
  });
  return out;
}

// One row per pair, sorted by (learning, ui).
void AddPairRows(const TrainingSet& data, PredictedHalfLives& h,
                 std::vector<HalfLifeSummary>& out) {
  std::vector<uint32_t> by_name(data.pairs.size());
  std::iota(by_name.begin(), by_name.end(), 0);
  std::sort(by_name.begin(), by_name.end(), [&](uint32_t a, uint32_t b) {
    return std::tie(data.pairs[a].learning, data.pairs[a].ui) <
           std::tie(data.pairs[b].learning, data.pairs[b].ui);
  });
  for (uint32_t pair : by_name) {
    const uint64_t n = h.pair_rows[pair];
    if (n == 0) continue;
    double* first = h.values.data() + h.pair_start[pair];
    const double rows = static_cast<double>(n);
    out.push_back({"pair", data.pairs[pair].learning, data.pairs[pair].ui, n,
                   MedianInPlace(first, first + n), h.Sum(&BlockTotals::p_recall, pair) / rows,
                   h.Sum(&BlockTotals::predicted_p, pair) / rows});
  }
}

// One row per interface language: consecutive pairs of the layout with the
// same ui, whose values are one stretch.
void AddUiRows(const TrainingSet& data, PredictedHalfLives& h, std::vector<HalfLifeSummary>& out) {
  const std::vector<uint32_t>& layout = h.layout;
  for (size_t k = 0; k < layout.size();) {
    const std::string& ui = data.pairs[layout[k]].ui;
    size_t end = k;
    uint64_t rows = 0;
    double p_recall = 0, predicted_p = 0;
    for (; end < layout.size() && data.pairs[layout[end]].ui == ui; ++end) {
      rows += h.pair_rows[layout[end]];
      p_recall += h.Sum(&BlockTotals::p_recall, layout[end]);
      predicted_p += h.Sum(&BlockTotals::predicted_p, layout[end]);
    }
    if (rows > 0) {
      double* first = h.values.data() + h.pair_start[layout[k]];
      out.push_back({"ui", "", ui, rows, MedianInPlace(first, first + rows),
                     p_recall / static_cast<double>(rows),
                     predicted_p / static_cast<double>(rows)});
    }
    k = end;
  }
}

}  // namespace

std::vector<HalfLifeSummary> SummarizeHalfLives(const Model& model, const TrainingSet& data,
                                                int threads) {
  PredictedHalfLives h = PredictAllRows(model, data, threads);
  std::vector<HalfLifeSummary> out;
  AddPairRows(data, h, out);
  AddUiRows(data, h, out);
  return out;
}

std::vector<RankedLexeme> RankLexemes(const Model& model, const TrainingSet& data, int top,
                                      uint64_t min_rows) {
  std::vector<RankedLexeme> out;
  if (!model.spec().lexemes || !model.spec().Trains()) return out;
  const Weights& w = model.weights();
  // Eligible lexemes, by language, then weight (ties by string).
  std::vector<uint32_t> eligible;
  for (uint32_t k = 0; k < data.lexemes.size(); ++k) {
    if (w.lexeme_count[k] >= min_rows) eligible.push_back(k);
  }
  std::sort(eligible.begin(), eligible.end(), [&](uint32_t a, uint32_t b) {
    const LexemeKey &x = data.lexemes[a], &y = data.lexemes[b];
    if (x.learning_language != y.learning_language) {
      return x.learning_language < y.learning_language;
    }
    if (w.lexeme[a] != w.lexeme[b]) return w.lexeme[a] < w.lexeme[b];
    return x.lexeme_string < y.lexeme_string;
  });
  auto add = [&](uint32_t k, const char* kind, int rank) {
    out.push_back({data.lexemes[k].learning_language, kind, rank, data.lexemes[k].lexeme_string,
                   w.lexeme[k], w.lexeme_count[k]});
  };
  for (size_t start = 0; start < eligible.size();) {
    size_t end = start;
    const std::string& language = data.lexemes[eligible[start]].learning_language;
    while (end < eligible.size() && data.lexemes[eligible[end]].learning_language == language) {
      ++end;
    }
    const size_t count = std::min<size_t>(static_cast<size_t>(top), end - start);
    for (size_t r = 0; r < count; ++r) add(eligible[start + r], "hardest", static_cast<int>(r) + 1);
    for (size_t r = 0; r < count; ++r)
      add(eligible[end - 1 - r], "easiest", static_cast<int>(r) + 1);
    start = end;
  }
  return out;
}

}  // namespace wv::hlr
