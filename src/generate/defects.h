#ifndef WV_GENERATE_DEFECTS_H_
#define WV_GENERATE_DEFECTS_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/random.h"
#include "generate/trace_row.h"
#include "traces/trace_schema.h"

// Defect rows: a clean row's fields with one rule of the validator broken,
// in a way that every rule before it in the precedence still passes, so the
// row is rejected for exactly that reason. Pure functions of their inputs
// and the generator passed in; thread-compatible.
namespace wv::generate {

// A reason by the defect mix (the share of each quarantine reason).
traces::RejectReason PickDefectReason(Rng& rng);

// A row's fields (the text holds no quotes or line end: a plain row).
std::vector<std::string> SplitAtCommas(std::string_view row_text);
// The fields joined by commas, and a "\n", appended to `text`.
void AppendJoined(const std::vector<std::string>& fields, std::string& text);

// Breaks the rule `reason` stands for in the fields of `base`.
// REQUIRES: reason is not kDuplicate (a duplicate is the row unchanged)
void BreakOneRule(traces::RejectReason reason, const Row& base, Rng& rng,
                  std::vector<std::string>& fields);

}  // namespace wv::generate

#endif  // WV_GENERATE_DEFECTS_H_
