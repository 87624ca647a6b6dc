#include "traces/lexeme.h"

namespace wv::traces {

bool ParseLexeme(std::string_view text, LexemeParts* parts, std::string_view* error) {
  // Plain loops rather than find_first_of: this runs once per input row.
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const char* p = begin;
  while (p < end && *p != '/') ++p;
  if (p == end) {
    *error = "no '/' between surface and lemma";
    return false;
  }
  if (p == begin) {
    *error = "empty surface";
    return false;
  }
  parts->surface = std::string_view(begin, static_cast<size_t>(p - begin));
  parts->surface_is_wildcard = parts->surface == "<*sf>";
  const char* const lemma = ++p;
  while (p < end && *p != '<') {
    if (*p == '>' || *p == '/') {
      *error = "the lemma contains '>' or '/'";
      return false;
    }
    ++p;
  }
  if (p == end) {
    *error = "no <tag> after the lemma";
    return false;
  }
  if (p == lemma) {
    *error = "empty lemma";
    return false;
  }
  parts->lemma = std::string_view(lemma, static_cast<size_t>(p - lemma));
  parts->tag_count = 0;
  parts->has_wildcard_tag = false;
  while (p < end) {
    if (*p != '<') {
      *error = "text after a tag";
      return false;
    }
    const char* const tag = ++p;
    while (p < end && *p != '>' && *p != '<' && *p != '/') ++p;
    if (p == end) {
      *error = "a tag is not closed with '>'";
      return false;
    }
    if (*p != '>') {
      *error = "a tag contains '<' or '/'";
      return false;
    }
    if (p == tag) {
      *error = "an empty tag <>";
      return false;
    }
    if (parts->tag_count == kMaxLexemeTags) {
      *error = "more than 16 tags";
      return false;
    }
    parts->tag_storage[parts->tag_count++] = std::string_view(tag, static_cast<size_t>(p - tag));
    parts->has_wildcard_tag |= *tag == '*';
    ++p;
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
