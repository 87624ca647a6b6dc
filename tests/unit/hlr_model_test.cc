// The models' closed forms and clips, on values worked out by hand. (The SGD pass is compared
// value by value with an independent implementation in tests/e2e/test_hlr.py.)
#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "hlr/model.h"

namespace wv::hlr {
namespace {

constexpr uint32_t kDay = 86400;

TraceRow Row(double p, uint32_t delta, uint32_t right, uint32_t wrong) {
  return TraceRow{p, delta, right, wrong, 0};
}

TEST(HlrModelTest, ObservationsAreClipped) {
  const Observation one = Observe(Row(1.0, kDay, 0, 0));
  EXPECT_EQ(one.p, 0.9999);
  EXPECT_EQ(one.t, 1.0);
  EXPECT_EQ(one.h, 274.0);  // -1 / log2(0.9999) = 6931 days, clipped to 9 months
  const Observation half = Observe(Row(0.5, 2 * kDay, 0, 0));
  EXPECT_DOUBLE_EQ(half.h, 2.0);  // p = 2^(-t/h)
  const Observation zero = Observe(Row(0.0, 60, 0, 0));
  EXPECT_EQ(zero.p, 0.0001);
  EXPECT_EQ(zero.h, 15.0 / 1440);  // seconds-old lag: clipped up to 15 minutes
}

TEST(HlrModelTest, LeitnerAndPimsleurClosedForms) {
  const Model leitner(ModelSpec{Method::kLeitner}, 1);
  const Prediction l = leitner.Predict(Row(1.0, 4 * kDay, 3, 1));
  EXPECT_DOUBLE_EQ(l.h, 4.0);                                       // 2^(3 - 1) days
  EXPECT_DOUBLE_EQ(l.p, 0.5);                                       // a lag of one half-life
  EXPECT_EQ(leitner.PredictHalfLife(Row(1.0, 0, 2000, 0)), 274.0);  // 2^2000 overflows: clipped
  EXPECT_EQ(leitner.PredictHalfLife(Row(1.0, 0, 0, 2000)), 15.0 / 1440);
  const Model pimsleur(ModelSpec{Method::kPimsleur}, 1);
  EXPECT_NEAR(pimsleur.PredictHalfLife(Row(1.0, 0, 5, 2)), std::pow(2.0, 2.35 * 7 - 16.46), 1e-15);
  EXPECT_EQ(pimsleur.Predict(Row(1.0, 0, 5, 2)).p, 0.9999);  // no lag: p = 1, clipped
}

TEST(HlrModelTest, UntrainedModelsPredictTheirStartingPoint) {
  // Zero weights: h = 2^0 = 1 day for hlr, p = sigmoid(0) = 0.5 for lr.
  const Model hlr(ModelSpec{}, 1);
  EXPECT_DOUBLE_EQ(hlr.Predict(Row(1.0, kDay, 7, 2)).p, 0.5);
  EXPECT_DOUBLE_EQ(hlr.Predict(Row(1.0, kDay, 7, 2)).h, 1.0);
  const Model lr(ModelSpec{Method::kLogistic}, 1);
  EXPECT_DOUBLE_EQ(lr.Predict(Row(1.0, kDay, 7, 2)).p, 0.5);
  EXPECT_TRUE(std::isnan(lr.Predict(Row(1.0, kDay, 7, 2)).h));
}

TEST(HlrModelTest, ConstantIsTheMeanClippedRecall) {
  Model constant(ModelSpec{Method::kConstant}, 1);
  const std::vector<TraceRow> rows = {Row(1.0, 0, 0, 0), Row(0.0, 0, 0, 0), Row(0.5, 0, 0, 0)};
  constant.Train(std::span(rows).first(2));
  constant.Train(std::span(rows).subspan(2));  // a pass in two pieces
  EXPECT_DOUBLE_EQ(constant.weights().constant_p, (0.9999 + 0.0001 + 0.5) / 3);
  EXPECT_EQ(constant.weights().constant_rows, 3u);
}

TEST(HlrModelTest, TrainingMovesTheWeightsTheRightWay) {
  // Words recalled after long lags: the half-life must grow (bias and right up).
  Model hlr(ModelSpec{}, 1);
  std::vector<TraceRow> rows(1000, Row(1.0, 30 * kDay, 4, 0));
  hlr.Train(rows);
  EXPECT_GT(hlr.weights().dense[Weights::kBias], 0.0);
  EXPECT_GT(hlr.weights().dense[Weights::kRight], 0.0);
  EXPECT_EQ(hlr.weights().dense_count[Weights::kBias], 1000u);
  EXPECT_EQ(hlr.weights().lexeme_count[0], 1000u);
  EXPECT_GT(hlr.PredictHalfLife(rows[0]), 1.0);
}

TEST(HlrModelTest, NamesFollowThePaper) {
  ModelSpec s;
  EXPECT_EQ(s.Name(), "hlr");
  s.lexemes = false;
  EXPECT_EQ(s.Name(), "hlr-lex");
  s.halflife_term = false;
  EXPECT_EQ(s.Name(), "hlr-lex-h");
  EXPECT_EQ(ModelSpec{Method::kLogistic}.Name(), "lr");
  std::vector<std::string> names;
  for (const ModelSpec& m : PaperModels()) names.push_back(m.Name());
  EXPECT_EQ(names, (std::vector<std::string>{"hlr", "hlr-lex", "hlr-h", "leitner", "pimsleur", "lr",
                                             "constant"}));
  EXPECT_EQ(ParseMethod("pimsleur"), Method::kPimsleur);
  EXPECT_FALSE(ParseMethod("sm2"));
}

}  // namespace
}  // namespace wv::hlr
