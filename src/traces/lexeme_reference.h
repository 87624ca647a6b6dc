#ifndef WV_TRACES_LEXEME_REFERENCE_H_
#define WV_TRACES_LEXEME_REFERENCE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/status.h"

// The lexeme-tag reference (Duolingo's lexeme_reference.txt): what each tag
// inside a lexeme_string means, e.g. `vblex  POS  Verb`.
namespace wv::traces {

struct LexemeTag {
  std::string tag;          // as written between < and >; case matters (`GD` vs `gd`)
  std::string category;     // POS, gender, number, person, tense, case, def, ...
  std::string description;  // free text, may contain spaces
};

// An immutable tag table.
// Thread-safe after construction (const methods only).
class LexemeReference {
 public:
  // The reference compiled into the binary (data/lexeme_reference.txt).
  static const LexemeReference& Bundled();

  // Parses the text format: one tag per line, `tag category description`,
  // columns separated by runs of spaces or tabs; blank lines are skipped.
  // Errors (a line with fewer than three columns, a repeated tag) are
  // InputErrors naming `source_name` and the line.
  static StatusOr<LexemeReference> Parse(std::string_view text, std::string_view source_name);

  // Reads and parses a file (plain or gzip).
  static StatusOr<LexemeReference> Load(const std::string& path);

  // The tag's entry, or nullptr if the reference does not list it.
  const LexemeTag* Find(std::string_view tag) const;

  // Every tag in file order.
  const std::vector<LexemeTag>& tags() const { return tags_; }

 private:
  std::vector<LexemeTag> tags_;
  absl::flat_hash_map<std::string, size_t> index_;
};

}  // namespace wv::traces

#endif  // WV_TRACES_LEXEME_REFERENCE_H_
