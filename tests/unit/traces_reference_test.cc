#include <fstream>
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "traces/language_codes.h"
#include "traces/lexeme_reference.h"
#include "traces/references.h"

namespace wv::traces {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string DataPath(const std::string& name) {
  return std::string(WV_SOURCE_DIR) + "/data/" + name;
}

TEST(LexemeReferenceTest, BundledMatchesTheFileCategoryCounts) {
  const LexemeReference& ref = LexemeReference::Bundled();
  // Counted independently with awk over data/lexeme_reference.txt.
  std::map<std::string, int> counts;
  for (const auto& tag : ref.tags()) ++counts[tag.category];
  EXPECT_EQ(counts["POS"], 22);
  EXPECT_EQ(counts["adjective"], 18);
  EXPECT_EQ(counts["tense"], 17);
  EXPECT_EQ(counts["other"], 14);
  EXPECT_EQ(counts["gender"], 5);
  EXPECT_EQ(counts["number"], 4);
  EXPECT_EQ(counts["animacy"], 3);
  EXPECT_EQ(counts["person"], 3);
  EXPECT_EQ(counts["case"], 2);
  EXPECT_EQ(counts["def"], 2);
  EXPECT_EQ(counts["propernoun"], 2);
  EXPECT_EQ(ref.tags().size(), 92u);
}

TEST(LexemeReferenceTest, DescriptionsKeepTheirSpacesAndTagCaseMatters) {
  const LexemeReference& ref = LexemeReference::Bundled();
  const LexemeTag* cnjcoo = ref.Find("cnjcoo");
  ASSERT_NE(cnjcoo, nullptr);
  EXPECT_EQ(cnjcoo->category, "POS");
  EXPECT_EQ(cnjcoo->description, "Co-ordinating conjunction");
  const LexemeTag* loc = ref.Find("loc");
  ASSERT_NE(loc, nullptr);
  EXPECT_EQ(loc->description, "Location (not locative!)");
  ASSERT_NE(ref.Find("GD"), nullptr);
  EXPECT_EQ(ref.Find("GD")->category, "gender");
  EXPECT_EQ(ref.Find("gd"), nullptr);
  EXPECT_EQ(ref.Find("*sf"), nullptr);
  const LexemeTag* web = ref.Find("web");  // the last line has no newline
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->description, "URL address");
}

TEST(LexemeReferenceTest, LoadsFromAFileLikeTheBundledOne) {
  auto loaded = LexemeReference::Load(DataPath("lexeme_reference.txt"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->tags().size(), LexemeReference::Bundled().tags().size());
}

TEST(LexemeReferenceTest, TabsCrlfAndBlankLinesAreTolerated) {
  auto ref = LexemeReference::Parse("n\tPOS\tNoun\r\n\r\n  vblex   POS   Verb  \r\n", "t");
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ASSERT_EQ(ref->tags().size(), 2u);
  EXPECT_EQ(ref->Find("n")->description, "Noun");
  EXPECT_EQ(ref->Find("vblex")->description, "Verb");
}

TEST(LexemeReferenceTest, BadFilesAreInputErrorsWithLineContext) {
  auto one_column = LexemeReference::Parse("n POS Noun\nbroken\n", "ref.txt");
  ASSERT_FALSE(one_column.ok());
  EXPECT_EQ(one_column.status().kind(), ErrorKind::kInput);
  EXPECT_NE(one_column.status().message().find("ref.txt: line 2"), std::string::npos)
      << one_column.status().message();
  auto twice = LexemeReference::Parse("n POS Noun\nn POS Noun again\n", "ref.txt");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("line 2"), std::string::npos);
  EXPECT_FALSE(LexemeReference::Parse("", "ref.txt").ok());
  auto missing = LexemeReference::Load("/nonexistent/lexemes.txt");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().kind(), ErrorKind::kInput);
}

TEST(LanguageCodesTest, BundledJsonHasThe183Alpha2Codes) {
  const LanguageCodes& codes = LanguageCodes::Bundled();
  EXPECT_EQ(codes.languages().size(), 183u);
  const Language* es = codes.Find("es");
  ASSERT_NE(es, nullptr);
  EXPECT_EQ(es->english_name, "Spanish; Castilian");
  EXPECT_EQ(es->french_name, "espagnol; castillan");
  EXPECT_EQ(es->alpha3_b, "spa");
  EXPECT_EQ(es->alpha3_t, "");  // null in the JSON
  const Language* de = codes.Find("de");
  ASSERT_NE(de, nullptr);
  EXPECT_EQ(de->alpha3_b, "ger");
  EXPECT_EQ(de->alpha3_t, "deu");
  EXPECT_EQ(codes.Find("xx"), nullptr);
  EXPECT_EQ(codes.Find("ES"), nullptr);
  EXPECT_EQ(codes.Find("spa"), nullptr);
  EXPECT_EQ(codes.Find(""), nullptr);
}

TEST(LanguageCodesTest, CsvVariantWithCarriageReturnsEqualsTheJson) {
  const std::string csv = ReadFile(DataPath("language-codes-full.csv"));
  ASSERT_NE(csv.find("afar\r\""), std::string::npos) << "the quirk this test is about";
  auto from_csv = LanguageCodes::Parse(csv, "language-codes-full.csv");
  ASSERT_TRUE(from_csv.ok()) << from_csv.status().ToString();
  const LanguageCodes& from_json = LanguageCodes::Bundled();
  ASSERT_EQ(from_csv->languages().size(), from_json.languages().size());
  for (size_t i = 0; i < from_json.languages().size(); ++i) {
    const Language& a = from_csv->languages()[i];
    const Language& b = from_json.languages()[i];
    EXPECT_EQ(a.alpha2, b.alpha2);
    EXPECT_EQ(a.english_name, b.english_name);
    EXPECT_EQ(a.french_name, b.french_name) << a.alpha2;
    EXPECT_EQ(a.alpha3_b, b.alpha3_b);
    EXPECT_EQ(a.alpha3_t, b.alpha3_t);
  }
  EXPECT_EQ(from_csv->Find("aa")->french_name, "afar");
}

TEST(LanguageCodesTest, LoadDetectsTheFormatFromTheContent) {
  auto json = LanguageCodes::Load(DataPath("language-codes-full_json.json"));
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  auto csv = LanguageCodes::Load(DataPath("language-codes-full.csv"));
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  EXPECT_EQ(json->languages().size(), csv->languages().size());
}

TEST(LanguageCodesTest, BadFilesAreInputErrorsWithContext) {
  auto bad_json = LanguageCodes::Parse("[\n{\"alpha2\": \"es\",\n", "codes.json");
  ASSERT_FALSE(bad_json.ok());
  EXPECT_EQ(bad_json.status().kind(), ErrorKind::kInput);
  EXPECT_NE(bad_json.status().message().find("codes.json: line"), std::string::npos)
      << bad_json.status().message();
  auto wrong_type = LanguageCodes::Parse("[{\"alpha2\": 7}]", "codes.json");
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_NE(wrong_type.status().message().find("element 1"), std::string::npos);
  auto bad_header = LanguageCodes::Parse("a,b,c,d,e\n", "codes.csv");
  ASSERT_FALSE(bad_header.ok());
  EXPECT_NE(bad_header.status().message().find("line 1"), std::string::npos);
  auto short_row = LanguageCodes::Parse(
      "\"alpha3-b\",\"alpha3-t\",\"alpha2\",\"English\",\"French\"\n\"spa\",\"\",\"es\"\n",
      "codes.csv");
  ASSERT_FALSE(short_row.ok());
  EXPECT_NE(short_row.status().message().find("codes.csv: line 2"), std::string::npos)
      << short_row.status().message();
  auto duplicate = LanguageCodes::Parse(
      "[{\"alpha2\":\"es\",\"English\":\"a\"},{\"alpha2\":\"es\",\"English\":\"b\"}]", "c.json");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_FALSE(LanguageCodes::Parse("   ", "empty").ok());
  EXPECT_FALSE(LanguageCodes::Parse("[]", "none").ok());
}

TEST(ReferencesTest, EmptyPathsMeanBundledAndPathsLoad) {
  auto bundled = LoadReferences("", "");
  ASSERT_TRUE(bundled.ok());
  EXPECT_EQ(bundled->lexemes, &LexemeReference::Bundled());
  EXPECT_EQ(bundled->languages, &LanguageCodes::Bundled());
  auto loaded =
      LoadReferences(DataPath("lexeme_reference.txt"), DataPath("language-codes-full.csv"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_NE(loaded->lexemes, &LexemeReference::Bundled());
  EXPECT_NE(loaded->languages->Find("pt"), nullptr);
  auto missing = LoadReferences("", "/nonexistent.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().kind(), ErrorKind::kInput);
}

}  // namespace
}  // namespace wv::traces
