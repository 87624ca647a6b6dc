#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "traces/lexeme.h"
#include "traces/lexeme_reference.h"

namespace wv::traces {
namespace {

std::vector<std::string> Tags(const LexemeParts& parts) {
  return std::vector<std::string>(parts.tags().begin(), parts.tags().end());
}

LexemeParts MustParse(std::string_view text) {
  LexemeParts parts;
  std::string_view error;
  EXPECT_TRUE(ParseLexeme(text, &parts, &error)) << text << ": " << error;
  return parts;
}

std::string_view ErrorOf(std::string_view text) {
  LexemeParts parts;
  std::string_view error;
  EXPECT_FALSE(ParseLexeme(text, &parts, &error)) << text;
  return error;
}

TEST(LexemeTest, RealExamples) {
  const LexemeParts verb = MustParse("lernt/lernen<vblex><pri><p3><sg>");
  EXPECT_EQ(verb.surface, "lernt");
  EXPECT_EQ(verb.lemma, "lernen");
  EXPECT_EQ(verb.part_of_speech(), "vblex");
  EXPECT_EQ(Tags(verb), (std::vector<std::string>{"vblex", "pri", "p3", "sg"}));
  ASSERT_EQ(verb.modifiers().size(), 3u);
  EXPECT_EQ(verb.modifiers()[0], "pri");
  EXPECT_FALSE(verb.surface_is_wildcard);
  EXPECT_FALSE(verb.has_wildcard_tag);

  const LexemeParts pronoun = MustParse("ellos/prpers<prn><tn><p3><m><pl>");
  EXPECT_EQ(pronoun.lemma, "prpers");
  EXPECT_EQ(pronoun.part_of_speech(), "prn");

  const LexemeParts single = MustParse("y/y<cnjcoo>");
  EXPECT_EQ(single.tags().size(), 1u);
  EXPECT_TRUE(single.modifiers().empty());

  const LexemeParts accented = MustParse("étant/être<vbser><pprs>");
  EXPECT_EQ(accented.surface, "étant");
  EXPECT_EQ(accented.lemma, "être");

  const LexemeParts comma = MustParse(",/,<cm>");  // punctuation is a lexeme too
  EXPECT_EQ(comma.surface, ",");
  EXPECT_EQ(comma.part_of_speech(), "cm");
}

TEST(LexemeTest, Wildcards) {
  const LexemeParts any_form = MustParse("<*sf>/ser<vbser><pri><*pers><*numb>");
  EXPECT_EQ(any_form.surface, "<*sf>");
  EXPECT_TRUE(any_form.surface_is_wildcard);
  EXPECT_EQ(any_form.lemma, "ser");
  EXPECT_TRUE(any_form.has_wildcard_tag);
  EXPECT_EQ(Tags(any_form), (std::vector<std::string>{"vbser", "pri", "*pers", "*numb"}));

  const LexemeParts numb = MustParse("casa/casa<n><f><*numb>");
  EXPECT_FALSE(numb.surface_is_wildcard);
  EXPECT_TRUE(numb.has_wildcard_tag);
  EXPECT_TRUE(IsWildcardTag("*numb"));
  EXPECT_FALSE(IsWildcardTag("numb"));
}

TEST(LexemeTest, MalformedStrings) {
  EXPECT_EQ(ErrorOf("lernen<vblex>"), "no '/' between surface and lemma");
  EXPECT_EQ(ErrorOf("/lernen<vblex>"), "empty surface");
  EXPECT_EQ(ErrorOf("lernt/lernen"), "no <tag> after the lemma");
  EXPECT_EQ(ErrorOf("lernt/<vblex>"), "empty lemma");
  EXPECT_EQ(ErrorOf("lernt/ler>nen<vblex>"), "the lemma contains '>' or '/'");
  EXPECT_EQ(ErrorOf("a/b/c<n>"), "the lemma contains '>' or '/'");
  EXPECT_EQ(ErrorOf("lernt/lernen<vblex"), "a tag is not closed with '>'");
  EXPECT_EQ(ErrorOf("lernt/lernen<vblex><>"), "an empty tag <>");
  EXPECT_EQ(ErrorOf("lernt/lernen<vblex>x"), "text after a tag");
  EXPECT_EQ(ErrorOf("lernt/lernen<vblex> "), "text after a tag");
  EXPECT_EQ(ErrorOf("lernt/lernen<vb<lex>"), "a tag contains '<' or '/'");
  EXPECT_EQ(ErrorOf("lernt/lernen<v/b>"), "a tag contains '<' or '/'");
  EXPECT_EQ(ErrorOf(""), "no '/' between surface and lemma");
  std::string many = "a/b";
  for (int i = 0; i < 17; ++i) many += "<t>";
  EXPECT_EQ(ErrorOf(many), "more than 16 tags");
  many.resize(many.size() - 3);
  EXPECT_EQ(MustParse(many).tags().size(), 16u);
}

TEST(LexemeTest, MorphologyDecodesByCategory) {
  const LexemeReference& ref = LexemeReference::Bundled();
  const LexemeParts parts = MustParse("ellos/prpers<prn><tn><p3><m><pl>");
  const LexemeMorphology m = DecodeMorphology(parts, ref);
  ASSERT_NE(m.part_of_speech, nullptr);
  EXPECT_EQ(m.part_of_speech->description, "Pronoun");
  EXPECT_EQ(m.person, "p3");
  EXPECT_EQ(m.gender, "m");
  EXPECT_EQ(m.number, "pl");
  EXPECT_EQ(m.tense, "");
  EXPECT_EQ(m.unknown_tags, 0u);

  const LexemeMorphology verb = DecodeMorphology(MustParse("es/ser<vbser><pri><p3><sg>"), ref);
  EXPECT_EQ(verb.tense, "pri");
  const LexemeMorphology noun = DecodeMorphology(MustParse("der/der<det><def><m><gen>"), ref);
  EXPECT_EQ(noun.definiteness, "def");
  EXPECT_EQ(noun.grammatical_case, "gen");
}

TEST(LexemeTest, UnknownTagsAreCountedNotRejectedAndWildcardsAreNotUnknown) {
  const LexemeReference& ref = LexemeReference::Bundled();
  const LexemeParts parts = MustParse("<*sf>/foo<zzz><pl><*numb><qqq>");
  const LexemeMorphology m = DecodeMorphology(parts, ref);
  EXPECT_EQ(m.unknown_tags, 2u);
  EXPECT_EQ(m.first_unknown_tag, "zzz");
  EXPECT_EQ(m.part_of_speech, nullptr);
  EXPECT_EQ(m.number, "pl");
  const LexemeMorphology wild = DecodeMorphology(MustParse("<*sf>/ser<vbser><*pers>"), ref);
  EXPECT_EQ(wild.unknown_tags, 0u);
  EXPECT_EQ(wild.person, "");
}

}  // namespace
}  // namespace wv::traces
