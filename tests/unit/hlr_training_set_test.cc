#include "gtest/gtest.h"
#include "hlr/training_set.h"

namespace wv::hlr {
namespace {

TrainingSetBuilder::Values Values(std::string_view user, std::string_view learning,
                                  std::string_view lexeme, int64_t seen = 3, int64_t correct = 2) {
  TrainingSetBuilder::Values v;
  v.numbers = {0.5, 1362076081, 600, seen, correct};
  v.user = user;
  v.learning_language = learning;
  v.ui_language = "en";
  v.lexeme_string = lexeme;
  return v;
}

TEST(HlrTrainingSetTest, StringsAreNumberedByFirstAppearance) {
  TrainingSetBuilder b;
  ASSERT_TRUE(b.Add(Values("u:a", "de", "lernt/lernen<vblex>")).ok());
  ASSERT_TRUE(b.Add(Values("u:b", "es", "y/y<cnjcoo>")).ok());
  ASSERT_TRUE(b.Add(Values("u:a", "es", "lernt/lernen<vblex>")).ok());  // another language
  ASSERT_TRUE(b.Add(Values("u:b", "de", "lernt/lernen<vblex>", 5, 5)).ok());
  const TrainingSet s = b.Finish();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s.users, (std::vector<std::string>{"u:a", "u:b"}));
  ASSERT_EQ(s.lexemes.size(), 3u);
  EXPECT_EQ(s.lexemes[0].FeatureName(), "de:lernt/lernen<vblex>");
  EXPECT_EQ(s.lexemes[2].FeatureName(), "es:lernt/lernen<vblex>");
  EXPECT_EQ(s.rows[3].lexeme, 0u);
  EXPECT_EQ(s.rows[3].right, 5u);
  EXPECT_EQ(s.rows[3].wrong, 0u);
  EXPECT_EQ(s.rows[0].wrong, 1u);
  EXPECT_EQ(s.pairs.size(), 2u);
  EXPECT_EQ(s.user[2], 0u);
  EXPECT_EQ(s.timestamp[1], 1362076081u);
}

TEST(HlrTrainingSetTest, RefusesWhatRunWouldReject) {
  TrainingSetBuilder b;
  EXPECT_EQ(b.Add(Values("u:a", "de", "x/x<n>", 3, 4)).kind(), ErrorKind::kInput);
  EXPECT_EQ(b.Add(Values("u:a", "de", "x/x<n>", -1, 0)).kind(), ErrorKind::kInput);
  auto v = Values("u:a", "de", "x/x<n>");
  v.numbers.timestamp = int64_t{1} << 32;
  EXPECT_EQ(b.Add(v).kind(), ErrorKind::kInput);
  EXPECT_EQ(b.Finish().size(), 0u);
}

TEST(HlrTrainingSetTest, SplitIsTheReferencesInt09N) {
  for (const auto& [n, train] : std::vector<std::pair<size_t, size_t>>{
           {0, 0}, {1, 0}, {2, 1}, {10, 9}, {19, 17}, {12854226, 11568803}}) {
    TrainingSet s;
    for (size_t i = 0; i < n; ++i) s.rows.push_back(TraceRow{});
    EXPECT_EQ(s.train_size(), train) << n;
  }
}

}  // namespace
}  // namespace wv::hlr
