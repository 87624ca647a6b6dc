#include "analytics/stats.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <thread>
#include <tuple>

#include "boost/math/distributions/chi_squared.hpp"
#include "boost/math/distributions/normal.hpp"
#include "boost/math/tools/roots.hpp"

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
  double score = 0;       // dℓ/du, u = ln h
  double curvature = 0;   // d²ℓ/du²
  double loglik = 0;
};

// With x = Δ·ln2/h (so p = e^−x and dx/du = −x), per row:
//   ℓ   = −c·x + (n−c)·ln(1 − e^−x)
//   g   = dℓ/dx = −c + (n−c)/expm1(x)
//   dℓ/du   = −x·g
//   d²ℓ/du² = x·g + x²·g',  g' = −(n−c)·eˣ/expm1(x)² = −(n−c)/(expm1(x)·(1 − e^−x))
void SumRange(const RecallObservations& obs, size_t begin, size_t end, double inv_h,
              bool want_loglik, ScoreSums* out) {
  double s = 0, c2 = 0, ll = 0;
  const double k = kLn2 * inv_h;
  for (size_t i = begin; i < end; ++i) {
    const double lag = obs.lag_days[i];
    if (lag <= 0) continue;
    const double x = lag * k;
    const double n = obs.seen[i], c = obs.correct[i];
    const double fail = n - c;
    const double em1 = std::expm1(x);  // +inf for huge x: the failure terms vanish
    const double one_minus_p = -std::expm1(-x);
    const double g = -c + (fail > 0 ? fail / em1 : 0.0);
    const double gp = fail > 0 ? -fail / (em1 * one_minus_p) : 0.0;
    s += -x * g;
    c2 += x * g + x * x * gp;
    if (want_loglik) ll += -c * x + (fail > 0 ? fail * std::log(one_minus_p) : 0.0);
  }
  out->score = s;
  out->curvature = c2;
  out->loglik = ll;
}

ScoreSums Sum(const RecallObservations& obs, double h, int threads, bool want_loglik) {
  const size_t n = obs.size();
  const double inv_h = 1.0 / h;
  // Small inputs are not worth a thread.
  if (threads <= 1 || n < (1u << 16)) {
    ScoreSums s;
    SumRange(obs, 0, n, inv_h, want_loglik, &s);
    return s;
  }
  std::vector<ScoreSums> parts(threads);
  std::vector<std::thread> pool;
  const size_t step = (n + threads - 1) / threads;
  for (int t = 1; t < threads; ++t) {
    const size_t b = std::min(n, step * t), e = std::min(n, step * (t + 1));
    pool.emplace_back(SumRange, std::cref(obs), b, e, inv_h, want_loglik, &parts[t]);
  }
  SumRange(obs, 0, std::min(n, step), inv_h, want_loglik, &parts[0]);
  for (auto& th : pool) th.join();
  ScoreSums total;
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

HalfLifeFit FitHalfLife(const RecallObservations& obs, int threads) {
  HalfLifeFit fit;
  // A starting point from the pooled recall at the median lag: 2^(−Δ̃/h0) = recall.
  double seen = 0, correct = 0;
  std::vector<double> lags;
  lags.reserve(obs.size());
  for (size_t i = 0; i < obs.size(); ++i) {
    if (obs.lag_days[i] <= 0) continue;
    seen += obs.seen[i];
    correct += obs.correct[i];
    lags.push_back(obs.lag_days[i]);
  }
  // All correct: ℓ increases with h forever; none correct: it increases as h → 0.
  if (lags.empty() || correct <= 0 || correct >= seen) return fit;
  const double t_min = std::log(kMinHalfLifeDays) + kShift;
  const double t_max = std::log(kMaxHalfLifeDays) + kShift;
  // The score is positive below the MLE and negative above it; a root must be
  // bracketed by the search interval.
  fit.iterations = 2;
  if (Sum(obs, kMinHalfLifeDays, threads, false).score <= 0) return fit;
  if (Sum(obs, kMaxHalfLifeDays, threads, false).score >= 0) return fit;

  std::nth_element(lags.begin(), lags.begin() + lags.size() / 2, lags.end());
  const double recall = correct / seen;
  double guess_h = lags[lags.size() / 2] * kLn2 / -std::log(recall);
  guess_h = std::clamp(guess_h, kMinHalfLifeDays * 10, kMaxHalfLifeDays / 10);
  const double guess_t = std::log(guess_h) + kShift;

  auto f = [&](double t) {
    ++fit.iterations;
    const ScoreSums s = Sum(obs, std::exp(t - kShift), threads, false);
    return std::make_tuple(s.score, s.curvature);
  };
  boost::uintmax_t max_iter = 100;
  try {
    const double t = boost::math::tools::newton_raphson_iterate(f, guess_t, t_min, t_max, 46,
                                                                max_iter);
    fit.half_life_days = std::exp(t - kShift);
  } catch (const std::exception&) {
    // Boost reports a failure to converge by an exception; the estimate is then
    // "not available" rather than a wrong number.
    fit.half_life_days.reset();
  }
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
