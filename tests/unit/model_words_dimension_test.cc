#include <gtest/gtest.h>

#include "model/star_schema.h"
#include "model/words_dimension.h"

namespace wv::model {
namespace {

TEST(WordsAccumulatorTest, KeepsTheFirstStringAndLanguageAndCountsConflicts) {
  LangsAccumulator langs;
  const uint32_t es = langs.Index("es");
  const uint32_t fr = langs.Index("fr");
  WordsAccumulator words;
  EXPECT_EQ(words.Add("id-a", "casa/casa<n><f><sg>", es), 0u);
  EXPECT_EQ(words.Add("id-b", "es/ser<vbser><pri><p3><sg>", es), 1u);
  EXPECT_EQ(words.Add("id-a", "casas/casa<n><f><pl>", es), 0u);  // another string
  EXPECT_EQ(words.Add("id-a", "casas/casa<n><f><pl>", fr), 0u);  // and another language
  EXPECT_EQ(words.Add("id-b", "es/ser<vbser><pri><p3><sg>", fr), 1u);
  const WordsAccumulator::Conflicts& c = words.conflicts();
  EXPECT_EQ(c.lexemes_with_several_strings, 1);
  EXPECT_EQ(c.lexemes_with_several_languages, 2);
  EXPECT_EQ(c.rows_with_conflicting_lexeme, 3);

  auto tags = traces::LexemeReference::Parse("n POS Noun\nf gender Feminine\nsg number Singular\n",
                                             "test lexemes");
  ASSERT_TRUE(tags.ok()) << tags.status().message();
  const WordsAccumulator::Built built = words.Build(*tags, langs);
  const TableData& t = built.table;
  ASSERT_EQ(t.rows, 2u);
  EXPECT_EQ(t.columns[kWordLexemeId].bytes[0], "id-a");
  EXPECT_EQ(t.columns[kWordLexemeString].bytes[0], "casa/casa<n><f><sg>");
  EXPECT_EQ(t.columns[kWordLanguage].bytes[0], "es");
  EXPECT_EQ(t.columns[kWordGender].bytes[0], "f");
  EXPECT_EQ(t.columns[kWordUnknownTags].i64[0], 0);
  EXPECT_EQ(t.columns[kWordUnknownTags].i64[1], 3);  // vbser, pri, p3 (sg is known)
  EXPECT_EQ(built.rows_covered, 5);
  EXPECT_EQ(built.words_with_unknown_tags, 1);
  EXPECT_EQ(built.words_undecodable, 0);
  EXPECT_EQ(built.words_with_wildcards, 0);
}

TEST(WordsAccumulatorTest, UndecodableAndWildcardWordsAreCounted) {
  LangsAccumulator langs;
  const uint32_t es = langs.Index("es");
  WordsAccumulator words;
  words.Add("id-a", "not a lexeme", es);
  words.Add("id-b", "<*sf>/ser<vblex><*numb>", es);
  const WordsAccumulator::Built built = words.Build(traces::LexemeReference::Bundled(), langs);
  EXPECT_EQ(built.words_undecodable, 1);
  EXPECT_EQ(built.words_with_wildcards, 1);
}

}  // namespace
}  // namespace wv::model
