#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "analytics/stats.h"
#include "gtest/gtest.h"

namespace wv::analytics {
namespace {

// The Wilson bounds are, by definition, the two roots p of
//   (p̂ − p)² = z² · p(1 − p) / n.
// Checking that equation is independent of the closed form the code uses.
void ExpectWilsonDefinition(double successes, double trials) {
  const double z = 1.959963984540054;  // Φ⁻¹(0.975)
  const auto ci = WilsonInterval(successes, trials);
  ASSERT_TRUE(ci.has_value());
  const double ph = successes / trials;
  for (double p : {ci->low, ci->high}) {
    EXPECT_NEAR((ph - p) * (ph - p), z * z * p * (1 - p) / trials, 1e-12)
        << successes << "/" << trials << " bound " << p;
  }
  EXPECT_LE(ci->low, ph);
  EXPECT_GE(ci->high, ph);
}

TEST(WilsonIntervalTest, BoundsSolveTheDefiningEquation) {
  ExpectWilsonDefinition(81, 263);
  ExpectWilsonDefinition(1, 10);
  ExpectWilsonDefinition(859, 1000);
  ExpectWilsonDefinition(11000000, 12854226);
}

TEST(WilsonIntervalTest, KnownValue) {
  // The 95% Wilson interval of 81/263 (R: prop.test(81, 263, correct = FALSE)): 0.2553 .. 0.3662.
  const auto ci = WilsonInterval(81, 263);
  ASSERT_TRUE(ci.has_value());
  EXPECT_NEAR(ci->low, 0.2553, 5e-5);
  EXPECT_NEAR(ci->high, 0.3662, 5e-5);
}

TEST(WilsonIntervalTest, EdgesStayInsideZeroOne) {
  const auto all = WilsonInterval(20, 20);
  ASSERT_TRUE(all.has_value());
  EXPECT_DOUBLE_EQ(all->high, 1.0);
  EXPECT_LT(all->low, 1.0);
  EXPECT_GT(all->low, 0.8);
  const auto none = WilsonInterval(0, 20);
  ASSERT_TRUE(none.has_value());
  EXPECT_DOUBLE_EQ(none->low, 0.0);
  EXPECT_NEAR(none->high, 1 - all->low, 1e-15);  // symmetric under success <-> failure
  EXPECT_FALSE(WilsonInterval(0, 0).has_value());
}

TEST(ChiSquareTest, PValuesMatchKnownQuantiles) {
  // 3.841458820694124 is the 95% quantile of chi²(1); 18.307038053275146 of chi²(10).
  EXPECT_NEAR(*ChiSquarePValue(3.841458820694124, 1), 0.05, 1e-14);
  EXPECT_NEAR(*ChiSquarePValue(18.307038053275146, 10), 0.05, 1e-14);
  // For dof = 2 the upper tail is exactly exp(−x/2).
  EXPECT_NEAR(*ChiSquarePValue(10, 2), std::exp(-5.0), 1e-16);
  // Far tail: scipy.stats.chi2.sf(1000, 3) = 1.7994208765314067e-216.
  EXPECT_NEAR(*ChiSquarePValue(1000, 3) / 1.7994208765314067e-216, 1.0, 1e-9);
  EXPECT_FALSE(ChiSquarePValue(5, 0).has_value());
}

TEST(ChiSquareTest, IndependenceTwoByTwo) {
  // Expected counts 12, 18, 28, 42: chi2 = 4/12 + 4/18 + 4/28 + 4/42 = 50/63.
  const std::vector<int64_t> counts = {10, 20, 30, 40};
  const auto r = ChiSquareIndependence(counts, 2, 2);
  EXPECT_NEAR(r.chi2, 50.0 / 63.0, 1e-14);
  EXPECT_EQ(r.dof, 1);
  // scipy.stats.chi2_contingency(..., correction=False) p = 0.37299848361348686
  EXPECT_NEAR(*r.p_value, 0.37299848361348686, 1e-12);
  EXPECT_NEAR(*r.cramers_v, std::sqrt(50.0 / 63.0 / 100.0), 1e-14);
}

TEST(ChiSquareTest, IndependenceThreeByThree) {
  // scipy.stats.chi2_contingency(correction=False): chi2 1.5926220262510256, p 0.8101175743377815,
  // dof 4.
  const std::vector<int64_t> counts = {120, 90, 40, 110, 95, 45, 90, 80, 30};
  const auto r = ChiSquareIndependence(counts, 3, 3);
  EXPECT_NEAR(r.chi2, 1.5926220262510256, 1e-12);
  EXPECT_EQ(r.dof, 4);
  EXPECT_NEAR(*r.p_value, 0.8101175743377815, 1e-12);
}

TEST(ChiSquareTest, EmptyRowsAndColumnsAreDropped) {
  // A zero column and a zero row do not change the test.
  const std::vector<int64_t> counts = {10, 0, 20, 0, 0, 0, 30, 0, 40};
  const auto r = ChiSquareIndependence(counts, 3, 3);
  EXPECT_NEAR(r.chi2, 50.0 / 63.0, 1e-14);
  EXPECT_EQ(r.dof, 1);
}

TEST(ChiSquareTest, GoodnessOfFit) {
  const std::vector<int64_t> observed = {10, 20, 30, 0};
  const std::vector<int64_t> reference = {5, 5, 5, 0};  // uniform over the first three
  const auto r = ChiSquareGoodnessOfFit(observed, reference);
  EXPECT_NEAR(r.chi2, 10.0, 1e-14);  // (100 + 0 + 100) / 20
  EXPECT_EQ(r.dof, 2);
  EXPECT_NEAR(*r.p_value, std::exp(-5.0), 1e-16);
  EXPECT_NEAR(*r.cramers_v, std::sqrt(10.0 / (60 * 2)), 1e-14);
}

TEST(ChiSquareTest, PerRowGoodnessOfFitAddsUpToIndependence) {
  const std::vector<int64_t> counts = {120, 90, 40, 110, 95, 45, 90, 80, 30};
  std::vector<int64_t> col_total(3, 0);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) col_total[j] += counts[i * 3 + j];
  }
  double sum = 0;
  for (int i = 0; i < 3; ++i) {
    sum +=
        ChiSquareGoodnessOfFit(std::span<const int64_t>(counts.data() + i * 3, 3), col_total).chi2;
  }
  EXPECT_NEAR(sum, ChiSquareIndependence(counts, 3, 3).chi2, 1e-12);
}

// Synthetic sessions drawn from p = 2^(−Δ/h) with a known h.
RecallObservations Simulate(double true_h, size_t rows, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> lag(std::log(3.0), 1.5);  // days, heavy-tailed
  std::uniform_int_distribution<int> seen(1, 4);
  RecallObservations obs;
  for (size_t i = 0; i < rows; ++i) {
    const double d = lag(rng);
    const int n = seen(rng);
    std::binomial_distribution<int> outcome(n, std::exp2(-d / true_h));
    obs.Add(d, static_cast<float>(n), static_cast<float>(outcome(rng)));
  }
  return obs;
}

TEST(HalfLifeTest, RecoversKnownHalfLife) {
  for (double h : {0.5, 5.0, 40.0}) {
    const auto obs = Simulate(h, 200000, 42);
    const auto fit = FitHalfLife(obs, 2);
    ASSERT_TRUE(fit.half_life_days.has_value()) << h;
    EXPECT_NEAR(*fit.half_life_days / h, 1.0, 0.03) << "true h " << h;
    EXPECT_LT(fit.iterations, 30);
  }
}

TEST(HalfLifeTest, FitIsTheLikelihoodMaximum) {
  const auto obs = Simulate(7.0, 50000, 7);
  const double h = *FitHalfLife(obs, 1).half_life_days;
  // The score is zero there (relative to its scale) and the likelihood is
  // lower on either side.
  EXPECT_NEAR(HalfLifeScore(obs, h) / static_cast<double>(obs.rows), 0.0, 1e-9);
  const double best = HalfLifeLogLikelihood(obs, h);
  EXPECT_GT(best, HalfLifeLogLikelihood(obs, h * 0.999));
  EXPECT_GT(best, HalfLifeLogLikelihood(obs, h * 1.001));
}

TEST(HalfLifeTest, ExactProportionsGiveTheTrueHalfLife) {
  // With outcome counts exactly proportional to p(Δ), the MLE is h itself.
  RecallObservations obs;
  const double h = 3.0;
  for (double d : {0.25, 1.0, 2.0, 6.0, 12.0}) {
    const double n = 1 << 20;
    obs.Add(d, static_cast<float>(n), static_cast<float>(std::round(n * std::exp2(-d / h))));
  }
  EXPECT_NEAR(*FitHalfLife(obs, 1).half_life_days, h, 1e-3);
}

TEST(HalfLifeTest, ThreadCountDoesNotChangeTheFitMuch) {
  const auto obs = Simulate(5.0, 300000, 3);
  EXPECT_NEAR(*FitHalfLife(obs, 1).half_life_days, *FitHalfLife(obs, 2).half_life_days, 1e-9);
}

TEST(HalfLifeTest, NotEstimableCases) {
  RecallObservations all_correct, none_correct, zero_lag;
  for (int i = 1; i <= 10; ++i) {
    all_correct.Add(i, 2, 2);
    none_correct.Add(i, 2, 0);
    zero_lag.Add(0, 2, 1);
  }
  EXPECT_FALSE(FitHalfLife(all_correct).half_life_days.has_value());
  EXPECT_FALSE(FitHalfLife(none_correct).half_life_days.has_value());
  EXPECT_FALSE(FitHalfLife(zero_lag).half_life_days.has_value());
  EXPECT_FALSE(FitHalfLife(RecallObservations{}).half_life_days.has_value());
}

TEST(MedianTest, OddEvenEmpty) {
  std::vector<int64_t> odd = {5, 1, 9};
  EXPECT_DOUBLE_EQ(*Median(odd), 5);
  std::vector<int64_t> even = {10, 1, 4, 7};
  EXPECT_DOUBLE_EQ(*Median(even), 5.5);
  std::vector<int64_t> empty;
  EXPECT_FALSE(Median(empty).has_value());
}

}  // namespace
}  // namespace wv::analytics
