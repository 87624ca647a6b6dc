#ifndef WV_QUALITY_STAR_CHECKS_H_
#define WV_QUALITY_STAR_CHECKS_H_

#include <cstdint>
#include <vector>

#include "model/build_stats.h"
#include "quality/checks.h"

// The quality checks of a run, computed from what the star-schema build
// counted (model::BuildStats): their names, order, severities, observed and
// expected values and details are what _manifest.json records (and the
// end-to-end tests compare). Thread-safe (no shared state).
namespace wv::quality {

// The checks of the star schema itself, in manifest order: dimension keys
// unique, fact foreign keys resolving, reconciliation, the fact columns'
// NULLs and domains, then the counted anomalies. The key checks run on up to
// one thread per dimension.
std::vector<CheckResult> EvaluateStarChecks(const model::BuildStats& stats);

// Rows as counted by the reader, and as handed from the reader to the model.
struct IngestCounts {
  int64_t rows_read = 0;
  int64_t rows_consumed = 0;
};

// Every check of a run, in manifest order: the share of rejected rows
// against `max_bad_ratio` (duplicates not counted), the star checks, and
// that every row read reached the model.
std::vector<CheckResult> EvaluateRunChecks(const model::BuildStats& stats,
                                           const IngestCounts& ingest, double max_bad_ratio);

}  // namespace wv::quality

#endif  // WV_QUALITY_STAR_CHECKS_H_
