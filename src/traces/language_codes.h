#ifndef WV_TRACES_LANGUAGE_CODES_H_
#define WV_TRACES_LANGUAGE_CODES_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

// The ISO 639 language reference (datasets/language-codes "full" table): the
// languages that have a two-letter code, keyed by it.
namespace wv::traces {

struct Language {
  std::string alpha2;        // "es"
  std::string english_name;  // "Spanish; Castilian"
  std::string french_name;   // "espagnol; castillan"
  std::string alpha3_b;      // "spa"
  std::string alpha3_t;      // empty when the source has none (null / "")
};

// An immutable alpha2 -> Language table.
// Thread-safe after construction (const methods only).
class LanguageCodes {
 public:
  // The table compiled into the binary (data/language-codes-full_json.json).
  static const LanguageCodes& Bundled();

  // Parses either shape of the reference, detected from the content:
  //  - a JSON array of objects with keys "alpha3-b", "alpha3-t", "alpha2",
  //    "English", "French" (missing values as null);
  //  - the CSV with header "alpha3-b","alpha3-t","alpha2","English","French",
  //    whose quoted fields may end in a stray carriage return ("afar\r"),
  //    which is removed.
  // Rows without an alpha2 code are skipped. A malformed file, a row with the
  // wrong number of fields, or a repeated alpha2 code is an InputError naming
  // `source_name` and the row.
  static StatusOr<LanguageCodes> Parse(std::string_view text, std::string_view source_name);

  // Reads and parses a file (plain or gzip).
  static StatusOr<LanguageCodes> Load(const std::string& path);

  // The language with this alpha2 code, or nullptr. Case matters ("es", not "ES").
  const Language* Find(std::string_view alpha2) const {
    // Inline: called twice per input row.
    if (alpha2.size() == 2 && alpha2[0] >= 'a' && alpha2[0] <= 'z' && alpha2[1] >= 'a' &&
        alpha2[1] <= 'z') {
      const int index = by_code_[(alpha2[0] - 'a') * 26 + (alpha2[1] - 'a')];
      return index < 0 ? nullptr : &languages_[index];
    }
    return FindOther(alpha2);
  }

  // Every language with an alpha2 code, in file order.
  const std::vector<Language>& languages() const { return languages_; }

 private:
  Status Add(Language language, std::string_view where);
  const Language* FindOther(std::string_view alpha2) const;

  std::vector<Language> languages_;
  // Two-letter codes index a 26x26 table directly: lookups on the hot
  // validation path are one load. -1 = absent.
  std::vector<int> by_code_ = std::vector<int>(26 * 26, -1);
  // Codes that are not two lowercase ASCII letters (none in the real file).
  std::vector<int> others_;
};

}  // namespace wv::traces

#endif  // WV_TRACES_LANGUAGE_CODES_H_
