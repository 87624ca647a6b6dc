#ifndef WV_GENERATE_VOCABULARY_H_
#define WV_GENERATE_VOCABULARY_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// The generator's built-in vocabulary: for each learning language a few
// thousand lexeme tags in the real file's `surface/lemma<pos><modifiers>`
// form, built from hand-written lemma lists and regular inflection tables.
// Every tag comes from the bundled lexeme_reference.txt except the wildcards
// `<*sf>`, `<*pers>` and `<*numb>`, which the real data also uses.
namespace wv::generate {

enum Language : uint8_t { kEn = 0, kEs, kFr, kDe, kIt, kPt, kNumLanguages };

inline constexpr std::array<std::string_view, kNumLanguages> kLanguageCodes = {"en", "es", "fr",
                                                                               "de", "it", "pt"};

struct Lexeme {
  std::string id;    // 32 lowercase hex digits, derived from language and text
  std::string text;  // surface/lemma<tag>...
  Language language;
};

// Every lexeme the generator can write, with each language's frequency
// order. Immutable after construction; safe to read from any number of
// threads.
class Vocabulary {
 public:
  // The vocabulary compiled into the program (built once, on first use).
  static const Vocabulary& Builtin();

  const std::vector<Lexeme>& lexemes() const { return lexemes_; }
  // Indices into lexemes() of one language's lexemes, commonest first
  // (function words, then irregular verbs, then the rest in a fixed shuffle).
  const std::vector<uint32_t>& ByFrequency(Language language) const {
    return by_frequency_[language];
  }

 private:
  Vocabulary();
  std::vector<Lexeme> lexemes_;
  std::array<std::vector<uint32_t>, kNumLanguages> by_frequency_;
};

// The lexeme id for a (language, lexeme string): 128 bits of a keyed hash as
// 32 lowercase hex digits, so one id always names one string in one language.
std::string LexemeIdFor(std::string_view language, std::string_view text);

}  // namespace wv::generate

#endif  // WV_GENERATE_VOCABULARY_H_
