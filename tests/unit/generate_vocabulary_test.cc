#include <set>
#include <sstream>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "generate/vocabulary.h"
#include "gtest/gtest.h"
#include "traces/bundled_data.h"

namespace wv::generate {
namespace {

// The tag column of the bundled reference, read independently of any loader:
// the first whitespace-separated word of each line.
std::set<std::string> ReferenceTags() {
  std::set<std::string> tags;
  std::istringstream in{std::string(bundled::kLexemeReference())};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string tag;
    if (words >> tag) tags.insert(tag);
  }
  return tags;
}

// Splits "surface/lemma<a><b>" into its parts; false when the shape is wrong.
bool Parse(const std::string& text, std::string* surface, std::string* lemma,
           std::vector<std::string>* tags) {
  const size_t slash = text.find('/', text.rfind("<*sf>", 0) == 0 ? 5 : 0);
  if (slash == std::string::npos) return false;
  const size_t open = text.find('<', slash);
  if (open == std::string::npos) return false;
  *surface = text.substr(0, slash);
  *lemma = text.substr(slash + 1, open - slash - 1);
  tags->clear();
  for (size_t i = open; i < text.size();) {
    if (text[i] != '<') return false;
    const size_t close = text.find('>', i);
    if (close == std::string::npos) return false;
    tags->push_back(text.substr(i + 1, close - i - 1));
    i = close + 1;
  }
  return true;
}

TEST(GenerateVocabularyTest, EveryNonWildcardTagIsInTheBundledReference) {
  const std::set<std::string> reference = ReferenceTags();
  ASSERT_GE(reference.size(), 90u);  // the upstream file's tag list
  std::set<std::string> wildcards;
  for (const Lexeme& lexeme : Vocabulary::Builtin().lexemes()) {
    std::string surface, lemma;
    std::vector<std::string> tags;
    ASSERT_TRUE(Parse(lexeme.text, &surface, &lemma, &tags)) << lexeme.text;
    EXPECT_FALSE(surface.empty()) << lexeme.text;
    EXPECT_FALSE(lemma.empty()) << lexeme.text;
    EXPECT_EQ(lemma.find_first_of("<>/"), std::string::npos) << lexeme.text;
    ASSERT_FALSE(tags.empty()) << lexeme.text;
    for (const std::string& tag : tags) {
      if (!tag.empty() && tag[0] == '*') {
        wildcards.insert(tag);
        continue;
      }
      EXPECT_TRUE(reference.count(tag)) << "tag <" << tag << "> of " << lexeme.text;
    }
    // The first tag is a part of speech.
    EXPECT_NE(tags[0][0], '*') << lexeme.text;
    // No field separator or quote inside a lexeme (the CSV writer does not quote).
    EXPECT_EQ(lexeme.text.find_first_of(",\"\n\r"), std::string::npos) << lexeme.text;
  }
  EXPECT_TRUE(wildcards.count("*numb"));
  EXPECT_TRUE(wildcards.count("*pers"));
  EXPECT_EQ(wildcards.size(), 2u);  // <*sf> is a surface, not a tag
}

TEST(GenerateVocabularyTest, SomeLexemesUseTheWildcardSurface) {
  int sf = 0;
  for (const Lexeme& lexeme : Vocabulary::Builtin().lexemes()) {
    if (lexeme.text.rfind("<*sf>/", 0) == 0) ++sf;
  }
  EXPECT_GT(sf, 50);
}

TEST(GenerateVocabularyTest, IdsAre32LowercaseHexAndNameOneStringInOneLanguage) {
  const auto& lexemes = Vocabulary::Builtin().lexemes();
  absl::flat_hash_map<std::string, std::pair<std::string, Language>> by_id;
  for (const Lexeme& lexeme : lexemes) {
    ASSERT_EQ(lexeme.id.size(), 32u);
    for (char c : lexeme.id) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << c;
    EXPECT_EQ(lexeme.id, LexemeIdFor(kLanguageCodes[lexeme.language], lexeme.text));
    auto [it, inserted] = by_id.try_emplace(lexeme.id, lexeme.text, lexeme.language);
    EXPECT_TRUE(inserted) << "id " << lexeme.id << " used twice";
  }
  // The same string in two languages gets two ids.
  EXPECT_NE(LexemeIdFor("es", "de/de<pr>"), LexemeIdFor("fr", "de/de<pr>"));
}

TEST(GenerateVocabularyTest, SizeAndLanguagesResembleTheRealFile) {
  const Vocabulary& v = Vocabulary::Builtin();
  EXPECT_GT(v.lexemes().size(), 12000u);
  EXPECT_LT(v.lexemes().size(), 30000u);
  size_t total = 0;
  for (int l = 0; l < kNumLanguages; ++l) {
    const auto& order = v.ByFrequency(static_cast<Language>(l));
    EXPECT_GT(order.size(), 500u) << kLanguageCodes[l];
    for (uint32_t index : order) EXPECT_EQ(v.lexemes()[index].language, l);
    total += order.size();
  }
  EXPECT_EQ(total, v.lexemes().size());
}

TEST(GenerateVocabularyTest, ContainsTheProfilesExamples) {
  std::set<std::pair<Language, std::string>> all;
  for (const Lexeme& lexeme : Vocabulary::Builtin().lexemes()) {
    all.emplace(lexeme.language, lexeme.text);
  }
  for (const char* text : {"bajo/bajo<pr>", "blancos/blanco<adj><m><pl>", "carta/carta<n><f><sg>",
                           "ellos/prpers<prn><tn><p3><m><pl>", "es/ser<vbser><pri><p3><sg>",
                           "escribimos/escribir<vblex><pri><p1><pl>", "y/y<cnjcoo>",
                           "<*sf>/ser<vbser><pri><*pers><*numb>"}) {
    EXPECT_TRUE(all.count({kEs, text})) << text;
  }
  EXPECT_TRUE(all.count({kDe, "lernt/lernen<vblex><pri><p3><sg>"}));
}

}  // namespace
}  // namespace wv::generate
