#ifndef WV_REPORT_QUALITY_SECTION_H_
#define WV_REPORT_QUALITY_SECTION_H_

#include <string>

#include "run/manifest.h"

// The report's "Quality checks" section: the run's manifest (run::Manifest),
// its quality-check results first. A check of severity warning that did not
// pass is a counted anomaly and shows as a warning, not as a failure. Pure
// functions; thread-safe.
namespace wv::report {

// The section body for the manifest in DIR/_manifest.json; a sentence saying
// so when there is none or it cannot be read (never an error: the report
// stays useful without it).
std::string QualitySection(const std::string& dir);

// The section body for `manifest`.
std::string QualitySectionFor(const run::Manifest& manifest);

}  // namespace wv::report

#endif  // WV_REPORT_QUALITY_SECTION_H_
