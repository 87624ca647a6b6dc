#include "analytics/stats.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <tuple>

#include "boost/math/distributions/chi_squared.hpp"
#include "boost/math/distributions/normal.hpp"
#include "boost/math/tools/roots.hpp"
#include "core/parallel.h"

namespace wv::analytics {

std::optional<Interval> WilsonInterval(double successes, double trials, double confidence) {
  if (!(trials > 0)) return std::nullopt;
  const double z =
      boost::math::quantile(boost::math::normal_distribution<double>(), 0.5 + confidence / 2);
  const double n = trials;
  const double p = successes / n;
  const double z2 = z * z;
  const double denom = 1 + z2 / n;
  const double centre = (p + z2 / (2 * n)) / denom;
  const double half = z / denom * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return Interval{std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

std::optional<double> ChiSquarePValue(double chi2, int64_t dof) {
  if (dof <= 0 || !std::isfinite(chi2)) return std::nullopt;
  if (chi2 <= 0) return 1.0;
  boost::math::chi_squared_distribution<double> dist(static_cast<double>(dof));
  return boost::math::cdf(boost::math::complement(dist, chi2));
}

ChiSquareResult ChiSquareIndependence(std::span<const int64_t> counts, size_t rows, size_t cols) {
  std::vector<double> row_total(rows, 0), col_total(cols, 0);
  double n = 0;
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < cols; ++j) {
      const double v = static_cast<double>(counts[i * cols + j]);
      row_total[i] += v;
      col_total[j] += v;
      n += v;
    }
  }
  ChiSquareResult r;
  const auto nonzero = [](const std::vector<double>& t) {
    return static_cast<int64_t>(std::count_if(t.begin(), t.end(), [](double v) { return v > 0; }));
  };
  const int64_t r_used = nonzero(row_total), c_used = nonzero(col_total);
  if (n <= 0) return r;
  for (size_t i = 0; i < rows; ++i) {
    if (row_total[i] == 0) continue;
    for (size_t j = 0; j < cols; ++j) {
      if (col_total[j] == 0) continue;
      const double e = row_total[i] * col_total[j] / n;
      const double d = static_cast<double>(counts[i * cols + j]) - e;
      r.chi2 += d * d / e;
    }
  }
  r.dof = std::max<int64_t>(0, (r_used - 1) * (c_used - 1));
  r.p_value = ChiSquarePValue(r.chi2, r.dof);
  const int64_t k = std::min(r_used, c_used) - 1;
  if (k > 0) r.cramers_v = std::sqrt(r.chi2 / (n * static_cast<double>(k)));
  return r;
}

ChiSquareResult ChiSquareGoodnessOfFit(std::span<const int64_t> observed,
                                       std::span<const int64_t> reference) {
  double n = 0, ref_total = 0;
  int64_t k = 0;
  for (size_t i = 0; i < observed.size(); ++i) {
    if (reference[i] <= 0) continue;
    n += static_cast<double>(observed[i]);
    ref_total += static_cast<double>(reference[i]);
    ++k;
  }
  ChiSquareResult r;
  if (n <= 0 || ref_total <= 0) return r;
  for (size_t i = 0; i < observed.size(); ++i) {
    if (reference[i] <= 0) continue;
    const double e = n * static_cast<double>(reference[i]) / ref_total;
    const double d = static_cast<double>(observed[i]) - e;
    r.chi2 += d * d / e;
  }
  r.dof = std::max<int64_t>(0, k - 1);
  r.p_value = ChiSquarePValue(r.chi2, r.dof);
  if (k > 1) r.cramers_v = std::sqrt(r.chi2 / (n * static_cast<double>(k - 1)));
  return r;
}

namespace {

constexpr double kLn2 = std::numbers::ln2;
// The root is searched for in t = ln(h) + kShift, so that t stays far from 0
// over the whole bracket and Boost's relative tolerance is an absolute one.
constexpr double kShift = 20;

struct ScoreSums {
  double score = 0;      // dℓ/du, u = ln h
  double curvature = 0;  // d²ℓ/du²
  double loglik = 0;
};

// With k = ln2/h, x = k·Δ (so p = e^−x and dx/du = −x), f = n − c, per row:
//   ℓ       = −c·x + f·ln(1 − e^−x)
//   dℓ/du   = c·x − f·x/expm1(x)
//   d²ℓ/du² = −c·x + f·x/expm1(x) − f·x²·eˣ/expm1(x)²
// The c terms sum to k·Σ c·Δ; only the failure terms need a pass over rows.
void SumFailures(const RecallObservations& obs, size_t begin, size_t end, double k,
                 bool want_loglik, ScoreSums* out) {
  double s = 0, c2 = 0, ll = 0;
  for (size_t i = begin; i < end; ++i) {
    const double x = obs.fail_lag_days[i] * k;
    const double f = obs.failures[i];
    // Beyond x = 700 expm1 overflows; the terms are below 1e-300 there.
    if (x > 700) continue;
    const double em1 = std::expm1(x);
    const double t = f * x / em1;
    s -= t;
    c2 += t - t * x * (1 + em1) / em1;
    if (want_loglik) ll += f * std::log(em1 / (1 + em1));
  }
  out->score = s;
  out->curvature = c2;
  out->loglik = ll;
}

ScoreSums Sum(const RecallObservations& obs, double h, int threads, bool want_loglik) {
  const size_t n = obs.fail_lag_days.size();
  const double k = kLn2 / h;
  // Always the same two halves, summed in the same order: the result does not
  // depend on the thread count. A second thread only for inputs worth it.
  std::array<ScoreSums, 2> parts;
  const size_t mid = n / 2;
  const int workers = threads > 1 && n >= (1u << 16) ? 2 : 1;
  ParallelFor(parts.size(), workers, [&](size_t half, int) {
    SumFailures(obs, half == 0 ? 0 : mid, half == 0 ? mid : n, k, want_loglik, &parts[half]);
  });
  ScoreSums total;
  const double success = k * obs.correct_lag_days;
  total.score = success;
  total.curvature = -success;
  total.loglik = -success;
  for (const auto& p : parts) {  // fixed order: deterministic
    total.score += p.score;
    total.curvature += p.curvature;
    total.loglik += p.loglik;
  }
  return total;
}

}  // namespace

double HalfLifeLogLikelihood(const RecallObservations& obs, double half_life_days) {
  return Sum(obs, half_life_days, 1, true).loglik;
}

double HalfLifeScore(const RecallObservations& obs, double half_life_days) {
  return Sum(obs, half_life_days, 1, false).score;
}

namespace {

// Newton–Raphson on t = ln h + kShift from `guess_h`, to `digits` bits.
std::optional<double> SolveScore(const RecallObservations& obs, int threads, double guess_h,
                                 int digits, int* passes) {
  const double t_min = std::log(kMinHalfLifeDays) + kShift;
  const double t_max = std::log(kMaxHalfLifeDays) + kShift;
  auto f = [&](double t) {
    ++*passes;
    const ScoreSums s = Sum(obs, std::exp(t - kShift), threads, false);
    return std::make_tuple(s.score, s.curvature);
  };
  boost::uintmax_t max_iter = 100;
  try {
    const double t = boost::math::tools::newton_raphson_iterate(f, std::log(guess_h) + kShift,
                                                                t_min, t_max, digits, max_iter);
    // A root pinned to the bracket's edge means the maximum lies outside it.
    if (t - t_min > 1e-6 && t_max - t > 1e-6) return std::exp(t - kShift);
  } catch (const std::exception&) {
    // Boost reports a failure to converge by an exception; the estimate is then
    // "not available" rather than a wrong number.
  }
  return std::nullopt;
}

}  // namespace

HalfLifeFit FitHalfLife(const RecallObservations& obs, int threads) {
  HalfLifeFit fit;
  // All correct: ℓ increases with h forever; none correct: it increases as h → 0.
  if (obs.rows == 0 || obs.correct <= 0 || obs.correct >= obs.seen) return fit;
  // A starting point: 2^(−Δ̄/h0) = pooled recall, Δ̄ the mean lag of the successes.
  const double recall = obs.correct / obs.seen;
  const double mean_lag = obs.correct_lag_days / obs.correct;
  double guess_h = mean_lag * kLn2 / -std::log(recall);
  if (!std::isfinite(guess_h)) guess_h = 1;
  guess_h = std::clamp(guess_h, kMinHalfLifeDays * 10, kMaxHalfLifeDays / 10);
  // Large inputs: first refine the guess on every 16th failure row (weighted
  // by 16), so that the passes over all rows start next to the root.
  constexpr size_t kStride = 16;
  if (obs.fail_lag_days.size() >= kStride * 4096) {
    RecallObservations sample;
    sample.correct_lag_days = obs.correct_lag_days;
    sample.correct = obs.correct;
    sample.seen = obs.seen;
    sample.rows = obs.rows;
    for (size_t i = 0; i < obs.fail_lag_days.size(); i += kStride) {
      sample.fail_lag_days.push_back(obs.fail_lag_days[i]);
      sample.failures.push_back(obs.failures[i] * static_cast<float>(kStride));
    }
    int sample_passes = 0;
    const auto coarse = SolveScore(sample, 1, guess_h, 20, &sample_passes);
    if (coarse) guess_h = *coarse;
  }
  fit.half_life_days = SolveScore(obs, threads, guess_h, 40, &fit.iterations);
  return fit;
}

std::optional<double> Median(std::span<int64_t> values) {
  if (values.empty()) return std::nullopt;
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  const double upper = static_cast<double>(values[mid]);
  if (values.size() % 2 == 1) return upper;
  const double lower = static_cast<double>(*std::max_element(values.begin(), values.begin() + mid));
  return lower + (upper - lower) / 2;
}

}  // namespace wv::analytics
