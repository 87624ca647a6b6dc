#ifndef WV_TRACES_REFERENCES_H_
#define WV_TRACES_REFERENCES_H_

#include <memory>
#include <string>

#include "core/status.h"
#include "traces/language_codes.h"
#include "traces/lexeme_reference.h"

// The reference data a run validates and models against.
namespace wv::traces {

// Points at the tables in use: the bundled ones, or ones loaded from files
// (owned here).
// Thread-safe after construction (read-only).
struct References {
  const LexemeReference* lexemes = &LexemeReference::Bundled();
  const LanguageCodes* languages = &LanguageCodes::Bundled();

  std::shared_ptr<const LexemeReference> owned_lexemes;
  std::shared_ptr<const LanguageCodes> owned_languages;
};

// Loads --lexemes / --languages; an empty path means the bundled table.
// Formats are detected from the content (see LexemeReference::Parse,
// LanguageCodes::Parse).
StatusOr<References> LoadReferences(const std::string& lexemes_path,
                                    const std::string& languages_path);

}  // namespace wv::traces

#endif  // WV_TRACES_REFERENCES_H_
