#include "traces/lexeme.h"

namespace wv::traces {

bool ParseLexeme(std::string_view text, LexemeParts* parts, std::string_view* error) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    *error = "no '/' between surface and lemma";
    return false;
  }
  if (slash == 0) {
    *error = "empty surface";
    return false;
  }
  parts->surface = text.substr(0, slash);
  parts->surface_is_wildcard = parts->surface == "<*sf>";
  const std::string_view rest = text.substr(slash + 1);
  const size_t first_tag = rest.find('<');
  if (first_tag == std::string_view::npos) {
    *error = "no <tag> after the lemma";
    return false;
  }
  parts->lemma = rest.substr(0, first_tag);
  if (parts->lemma.empty()) {
    *error = "empty lemma";
    return false;
  }
  if (parts->lemma.find_first_of(">/") != std::string_view::npos) {
    *error = "the lemma contains '>' or '/'";
    return false;
  }
  parts->tag_count = 0;
  parts->has_wildcard_tag = false;
  size_t i = first_tag;
  while (i < rest.size()) {
    if (rest[i] != '<') {
      *error = "text after a tag";
      return false;
    }
    const size_t close = rest.find_first_of("<>/", i + 1);
    if (close == std::string_view::npos) {
      *error = "a tag is not closed with '>'";
      return false;
    }
    if (rest[close] != '>') {
      *error = "a tag contains '<' or '/'";
      return false;
    }
    if (close == i + 1) {
      *error = "an empty tag <>";
      return false;
    }
    if (parts->tag_count == kMaxLexemeTags) {
      *error = "more than 16 tags";
      return false;
    }
    const std::string_view tag = rest.substr(i + 1, close - i - 1);
    parts->tag_storage[parts->tag_count++] = tag;
    parts->has_wildcard_tag |= IsWildcardTag(tag);
    i = close + 1;
  }
  return true;
}

LexemeMorphology DecodeMorphology(const LexemeParts& parts, const LexemeReference& reference) {
  LexemeMorphology morphology;
  for (size_t i = 0; i < parts.tag_count; ++i) {
    const std::string_view tag = parts.tag_storage[i];
    if (IsWildcardTag(tag)) continue;
    const LexemeTag* entry = reference.Find(tag);
    if (entry == nullptr) {
      if (morphology.unknown_tags++ == 0) morphology.first_unknown_tag = tag;
      continue;
    }
    if (i == 0) morphology.part_of_speech = entry;
    const std::string_view category = entry->category;
    std::string_view* slot = nullptr;
    if (category == "gender") {
      slot = &morphology.gender;
    } else if (category == "number") {
      slot = &morphology.number;
    } else if (category == "person") {
      slot = &morphology.person;
    } else if (category == "tense") {
      slot = &morphology.tense;
    } else if (category == "case") {
      slot = &morphology.grammatical_case;
    } else if (category == "def") {
      slot = &morphology.definiteness;
    }
    if (slot != nullptr && slot->empty()) *slot = tag;
  }
  return morphology;
}

}  // namespace wv::traces
