#ifndef WV_TRACES_BUNDLED_DATA_H_
#define WV_TRACES_BUNDLED_DATA_H_

#include <string_view>

// The upstream reference files, compiled into the binary so that `wordviews`
// works with no data directory. Their sources and licences are in data/README.md.
namespace wv::bundled {

// Duolingo's lexeme_reference.txt (MIT, see HalflifeRegressionLicense()).
std::string_view kLexemeReference();
// ISO 639 codes as the JSON array the original pipeline read (PDDL).
std::string_view kLanguageCodesJson();
std::string_view kHalflifeRegressionLicense();

}  // namespace wv::bundled

#endif  // WV_TRACES_BUNDLED_DATA_H_
