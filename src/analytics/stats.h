#ifndef WV_ANALYTICS_STATS_H_
#define WV_ANALYTICS_STATS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

// The statistics behind the queries: confidence intervals, chi-square tests
// and the half-life fit. Pure functions, thread-safe.
namespace wv::analytics {

// A confidence interval [low, high]. Plain data; thread-compatible.
struct Interval {
  double low = 0;
  double high = 0;
};

// Wilson score interval for a binomial proportion (Wilson 1927): with
// p = successes / trials and z the two-sided normal quantile of `confidence`,
//   centre    = (p + z²/(2n)) / (1 + z²/n)
//   half-width = z / (1 + z²/n) · sqrt(p(1−p)/n + z²/(4n²)).
// Unlike the normal (Wald) interval it stays inside [0, 1] and is sensible at
// p = 0 or 1. nullopt when trials == 0.
// REQUIRES: 0 <= successes <= trials, 0 < confidence < 1
std::optional<Interval> WilsonInterval(double successes, double trials, double confidence = 0.95);

// The outcome of a chi-square test. Plain data; thread-compatible.
struct ChiSquareResult {
  double chi2 = 0;
  int64_t dof = 0;
  // Upper-tail probability P(X >= chi2) for X ~ chi²(dof), by Boost.Math;
  // nullopt when dof == 0.
  std::optional<double> p_value;
  // Effect size in [0, 1]; nullopt when undefined (dof == 0 or no data).
  std::optional<double> cramers_v;
};

// Upper-tail chi-square probability by Boost.Math. nullopt when dof <= 0.
std::optional<double> ChiSquarePValue(double chi2, int64_t dof);

// Pearson's chi-square test of independence on an r×c table of counts
// (row-major, counts[i*cols + j]). Rows and columns whose total is zero are
// dropped first (their expected counts would be 0/0); with r', c' the rest,
// dof = (r'−1)(c'−1) and Cramér's V = sqrt(chi2 / (N · (min(r', c') − 1))).
// REQUIRES: counts.size() == rows * cols
ChiSquareResult ChiSquareIndependence(std::span<const int64_t> counts, size_t rows, size_t cols);

// Pearson's goodness-of-fit test of `observed` counts against the proportions
// given by `reference` counts: E_k = n · reference_k / Σ reference. Categories
// with reference_k == 0 are dropped (REQUIRES observed_k == 0 there); with k'
// the rest, dof = k' − 1 and the effect size is Cramér's V for one sample,
// sqrt(chi2 / (n · (k' − 1))) (a.k.a. Cohen's w scaled to [0, 1]).
// REQUIRES: observed.size() == reference.size()
ChiSquareResult ChiSquareGoodnessOfFit(std::span<const int64_t> observed,
                                       std::span<const int64_t> reference);

// Recall outcomes for the half-life fit, reduced to what the likelihood needs:
// successes enter the score only through Σ c·Δ (closed form), so only rows
// with at least one failure are kept individually. Most rows are all-correct
// (mean p_recall ≈ 0.86 in the real data), which makes each Newton step a pass
// over a small share of the rows. Rows with Δ <= 0 are ignored (see FitHalfLife).
// Thread-compatible: Add() from one thread at a time; const use from many.
struct RecallObservations {
  std::vector<double> fail_lag_days;  // Δ of rows with failures
  std::vector<float> failures;        // n − c of those rows
  double correct_lag_days = 0;        // Σ c·Δ over rows with Δ > 0
  double correct = 0;                 // Σ c over rows with Δ > 0
  double seen = 0;                    // Σ n over rows with Δ > 0
  int64_t rows = 0;                   // rows with Δ > 0

  void Add(double lag_days, double n, double c) {
    if (!(lag_days > 0)) return;
    correct_lag_days += c * lag_days;
    correct += c;
    seen += n;
    ++rows;
    if (n > c) {
      fail_lag_days.push_back(lag_days);
      failures.push_back(static_cast<float>(n - c));
    }
  }
};

// The outcome of FitHalfLife. Plain data; thread-compatible.
struct HalfLifeFit {
  // Maximum-likelihood half-life in days; nullopt when it does not exist
  // (no failures: h → ∞; no successes: h → 0) or lies outside
  // [kMinHalfLifeDays, kMaxHalfLifeDays].
  std::optional<double> half_life_days;
  int iterations = 0;  // score evaluations (each a pass over the rows)
};

inline constexpr double kMinHalfLifeDays = 1e-6;
inline constexpr double kMaxHalfLifeDays = 1e6;

// Maximum-likelihood fit of the HLR forgetting curve p(Δ) = 2^(−Δ/h) with one
// half-life h for all rows. Each row contributes a binomial outcome
//   ℓ_i(h) = c_i·ln p(Δ_i) + (n_i − c_i)·ln(1 − p(Δ_i)).
// Rows with Δ = 0 are skipped: p(0) = 1 whatever h, so they carry no
// information about h (and a failure at Δ = 0 would make ℓ = −∞ for every h).
// The log-likelihood is unimodal in h (its derivative in k = ln2/h is strictly
// decreasing), so the MLE is the unique root of the score dℓ/d(ln h), found by
// Boost.Math's safeguarded Newton–Raphson on ln h within
// [ln kMinHalfLifeDays, ln kMaxHalfLifeDays] to ~1e-12 in ln h. The score and
// its derivative are summed over the rows on `threads` threads (fixed split,
// so the result is deterministic).
HalfLifeFit FitHalfLife(const RecallObservations& obs, int threads = 2);

// The log-likelihood above and its score dℓ/d(ln h) at h (days), for tests.
double HalfLifeLogLikelihood(const RecallObservations& obs, double half_life_days);
double HalfLifeScore(const RecallObservations& obs, double half_life_days);

// Median as DuckDB's median / quantile_cont(0.5): the mean of the two middle
// values for an even count. Reorders `values`. nullopt when empty.
std::optional<double> Median(std::span<int64_t> values);

}  // namespace wv::analytics

#endif  // WV_ANALYTICS_STATS_H_
