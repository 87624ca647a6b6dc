#include "traces/references.h"

namespace wv::traces {

StatusOr<References> LoadReferences(const std::string& lexemes_path,
                                    const std::string& languages_path) {
  References refs;
  if (!lexemes_path.empty()) {
    WV_ASSIGN_OR_RETURN(LexemeReference lexemes, LexemeReference::Load(lexemes_path));
    refs.owned_lexemes = std::make_shared<const LexemeReference>(std::move(lexemes));
    refs.lexemes = refs.owned_lexemes.get();
  }
  if (!languages_path.empty()) {
    WV_ASSIGN_OR_RETURN(LanguageCodes languages, LanguageCodes::Load(languages_path));
    refs.owned_languages = std::make_shared<const LanguageCodes>(std::move(languages));
    refs.languages = refs.owned_languages.get();
  }
  return refs;
}

}  // namespace wv::traces
