#include <gtest/gtest.h>

#include "model/langs_dimension.h"
#include "model/star_schema.h"

namespace wv::model {
namespace {

TEST(LangsAccumulatorTest, CountsLearningAndUiRowsAndNamesFromTheReference) {
  auto reference = traces::LanguageCodes::Parse(
      R"([{"alpha3-b": "spa", "alpha3-t": null, "alpha2": "es", "English": "Spanish",
           "French": "espagnol"}])",
      "test languages");
  ASSERT_TRUE(reference.ok()) << reference.status().message();
  LangsAccumulator langs;
  const uint32_t es = langs.Index("es");
  const uint32_t en = langs.Index("en");
  EXPECT_EQ(langs.Index("es"), es);
  EXPECT_EQ(langs.code(en), "en");
  langs.AddRows(es, en, 3);
  langs.AddRows(en, es, 1);
  const LangsAccumulator::Built built = langs.Build(*reference);
  const TableData& t = built.table;
  ASSERT_EQ(t.rows, 2u);
  EXPECT_EQ(t.columns[kLangAlpha2].bytes[0], "es");
  EXPECT_EQ(t.columns[kLangEnglishName].bytes[0], "Spanish");
  EXPECT_EQ(t.columns[kLangAlpha3T].valid[0], 0);
  EXPECT_EQ(t.columns[kLangAlpha2].bytes[1], "en");
  EXPECT_EQ(t.columns[kLangEnglishName].valid[1], 0);  // not in this reference
  EXPECT_EQ(built.missing_from_reference, 1);
  EXPECT_EQ(built.learning_rows_covered, 4);
  EXPECT_EQ(built.ui_rows_covered, 4);
}

}  // namespace
}  // namespace wv::model
