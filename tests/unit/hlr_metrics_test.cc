// The evaluation statistics against values worked out by hand (scipy and R give the same; the
// end-to-end tests compare with scipy on real-sized data).
#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "hlr/metrics.h"

namespace wv::hlr {
namespace {

TEST(HlrMetricsTest, AverageRanksShareTies) {
  EXPECT_EQ(AverageRanks(std::vector<double>{3.0, 1.0, 3.0, 2.0, 3.0}),
            (std::vector<double>{4.0, 1.0, 4.0, 2.0, 4.0}));
  EXPECT_EQ(AverageRanks(std::vector<double>{}), std::vector<double>{});
}

TEST(HlrMetricsTest, AucCountsTiesAsOneHalf) {
  // Positives score 0.9, 0.5; negatives 0.5, 0.1: of the four pairs, three are ordered
  // correctly and one is tied: (3 + 0.5) / 4.
  const std::vector<uint8_t> labels = {1, 1, 0, 0};
  EXPECT_DOUBLE_EQ(*AreaUnderRoc(labels, std::vector<double>{0.9, 0.5, 0.5, 0.1}), 3.5 / 4);
  EXPECT_DOUBLE_EQ(*AreaUnderRoc(labels, std::vector<double>{0.1, 0.2, 0.8, 0.9}), 0.0);
  EXPECT_DOUBLE_EQ(*AreaUnderRoc(labels, std::vector<double>{0.5, 0.5, 0.5, 0.5}), 0.5);
  EXPECT_FALSE(AreaUnderRoc(std::vector<uint8_t>{1, 1}, std::vector<double>{0.1, 0.2}));
}

TEST(HlrMetricsTest, RoundedLabelIsHalfToEvenLikeR) {
  EXPECT_EQ(RoundedLabel(0.5), 0);
  EXPECT_EQ(RoundedLabel(0.5000001), 1);
  EXPECT_EQ(RoundedLabel(0.9999), 1);
  EXPECT_EQ(RoundedLabel(0.0001), 0);
}

TEST(HlrMetricsTest, SpearmanIsPearsonOfRanks) {
  const std::vector<double> a = {1, 2, 3, 4, 5};
  EXPECT_DOUBLE_EQ(*SpearmanCorrelation(a, std::vector<double>{10, 20, 30, 40, 1000}), 1.0);
  EXPECT_DOUBLE_EQ(*SpearmanCorrelation(a, std::vector<double>{5, 4, 3, 2, 1}), -1.0);
  // Ranks of b = (1, 2.5, 2.5, 4, 5): r = 9.5 / sqrt(10 * 9.5).
  EXPECT_NEAR(*SpearmanCorrelation(a, std::vector<double>{0, 7, 7, 8, 9}),
              9.5 / std::sqrt(10 * 9.5), 1e-15);
  EXPECT_FALSE(SpearmanCorrelation(a, std::vector<double>{2, 2, 2, 2, 2}));
}

TEST(HlrMetricsTest, PearsonAndMeanAbsoluteError) {
  const std::vector<double> a = {1, 2, 3, 4}, b = {2, 4, 6, 9};
  // Deviations (-1.5, -0.5, 0.5, 1.5) and (-3.25, -1.25, 0.75, 3.75): Σxy = 11.5.
  EXPECT_NEAR(*PearsonCorrelation(a, b), 11.5 / std::sqrt(5.0 * 26.75), 1e-15);
  EXPECT_DOUBLE_EQ(MeanAbsoluteError(a, b), (1 + 2 + 3 + 5) / 4.0);
  EXPECT_FALSE(PearsonCorrelation(std::vector<double>{1}, std::vector<double>{2}));
}

}  // namespace
}  // namespace wv::hlr
