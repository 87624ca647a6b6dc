#ifndef WV_RUN_FRESHNESS_H_
#define WV_RUN_FRESHNESS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

// How fresh a published output is: its newest batch, read from the manifest
// text. The one place that knows where freshness lives, for `report` (the
// dashboard's top line) and `check --max-age` (the alert hook):
//  - a manifest of `run --append` lists its batches at the top level,
//    oldest first: "batches": [{"id", "appended_at" (ISO 8601 UTC),
//    "inputs", "rows": {"input", "accepted", "rejected"}}]; the newest batch
//    is the last element;
//  - any other manifest is one batch, the run itself: run_id, created_at and
//    its rows.
// Pure functions; thread-safe.
namespace wv::run {

// The newest batch of an output. Plain data; thread-compatible.
struct Freshness {
  std::string batch_id;     // the batch's id, or the run id
  std::string batch_time;   // as the manifest writes it (ISO 8601 UTC)
  int64_t batch_epoch = 0;  // batch_time in UNIX seconds
  int64_t input_rows = 0;
  int64_t accepted_rows = 0;
  int64_t rejected_rows = 0;
  int64_t batches = 1;        // how many batches the output holds (1 for a plain run)
  bool from_batches = false;  // read from "batches" (not from the run's own fields)
};

// The freshness recorded in `manifest_text`. InputError when the text is not
// JSON, or the fields it reads are missing, malformed or out of range (a
// "batches" that is present but empty is an error: an output always has one).
StatusOr<Freshness> FreshnessFromManifest(std::string_view manifest_text);

// The environment variable that overrides the clock freshness is judged by
// (an ISO 8601 UTC time or UNIX seconds): for tests, and for an operator
// asking "would this have alerted at 07:00?".
inline constexpr const char* kNowEnvironmentVariable = "WV_NOW";

// The current UNIX time, or WV_NOW's when it is set. UsageError naming
// WV_NOW when its value is neither form.
StatusOr<int64_t> FreshnessNow();

// "3 h 25 min", "2 d 4 h", "45 s": an age in seconds for people (negative
// ages, a batch time in the future, are written "-" and the magnitude).
std::string AgeText(int64_t seconds);

}  // namespace wv::run

#endif  // WV_RUN_FRESHNESS_H_
