#ifndef WV_TRACES_LEXEME_H_
#define WV_TRACES_LEXEME_H_

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include "traces/lexeme_reference.h"

// The lexeme_string of a learning trace, `surface/lemma<pos><modifier>...`,
// e.g. `lernt/lernen<vblex><pri><p3><sg>` or the wildcard lexeme
// `<*sf>/ser<vbser><pri><*pers><*numb>`.
//
// Grammar (rule 6 of the pipeline issue):
//   lexeme  := surface "/" lemma tag+
//   surface := one or more bytes, no "/"      (may be the wildcard "<*sf>")
//   lemma   := one or more bytes, no "<", ">" or "/"
//   tag     := "<" one or more bytes, no "<", ">" or "/" ">"
// The tags run back to back to the end of the string. An empty lemma is
// rejected: every lexeme in the real data names its root, and a string like
// `a/<n>` is a broken record rather than a word. At most kMaxLexemeTags tags.
namespace wv::traces {

inline constexpr size_t kMaxLexemeTags = 16;

// Views into a parsed lexeme_string; valid as long as that string is.
struct LexemeParts {
  std::string_view surface;                                  // text before the first '/'
  std::string_view lemma;                                    // between that '/' and the first '<'
  std::array<std::string_view, kMaxLexemeTags> tag_storage;  // use tags()
  size_t tag_count = 0;
  bool surface_is_wildcard = false;  // surface is `<*sf>` (any surface form)
  bool has_wildcard_tag = false;     // some tag starts with '*' (`<*numb>`, `<*pers>`)

  // Every tag without its brackets, in order. Never empty after a successful parse.
  std::span<const std::string_view> tags() const { return {tag_storage.data(), tag_count}; }
  // The first tag: the part of speech (`vblex`, `n`, `prn`).
  std::string_view part_of_speech() const { return tag_storage[0]; }
  // The tags after the part of speech.
  std::span<const std::string_view> modifiers() const {
    return {tag_storage.data() + 1, tag_count - 1};
  }
};

// A tag is a wildcard when it starts with '*' (`*numb`, `*sf`).
inline bool IsWildcardTag(std::string_view tag) { return !tag.empty() && tag[0] == '*'; }

// Parses `text` into *parts. On failure returns false and sets *error to a
// short static explanation ("no '/' between surface and lemma"); *parts is
// then unspecified. Does not allocate.
bool ParseLexeme(std::string_view text, LexemeParts* parts, std::string_view* error);

// A lexeme's tags decoded against the reference: per morphological category
// the first tag of that category (empty if none), and the tags the reference
// does not know. Wildcard tags are neither decoded nor unknown.
struct LexemeMorphology {
  std::string_view gender;                    // category "gender": m, f, nt, mf, GD
  std::string_view number;                    // "number": sg, pl, sp, ND
  std::string_view person;                    // "person": p1, p2, p3
  std::string_view tense;                     // "tense": pri, past, inf, ...
  std::string_view grammatical_case;          // "case": gen, loc
  std::string_view definiteness;              // "def": def, ind
  const LexemeTag* part_of_speech = nullptr;  // the first tag's entry, if known
  size_t unknown_tags = 0;                    // non-wildcard tags missing from the reference
  std::string_view first_unknown_tag;
};

// REQUIRES: `parts` came from a successful ParseLexeme.
LexemeMorphology DecodeMorphology(const LexemeParts& parts, const LexemeReference& reference);

}  // namespace wv::traces

#endif  // WV_TRACES_LEXEME_H_
