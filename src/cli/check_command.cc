// `wordviews check DIR`: verify an output folder against its manifest.
#include <string>
#include <string_view>

#include "cli/command.h"
#include "cli/s3_options.h"
#include "fmt/core.h"
#include "nlohmann/json.hpp"
#include "run/manifest.h"
#include "run/verify.h"

namespace wv::cli {
namespace {

// "ok  ", "FAIL" (an error-level check failed: a mismatch), "warn" (a
// counted anomaly, recomputed from the files: reported, never a failure).
std::string_view Mark(const quality::CheckResult& c) {
  if (c.passed) return "ok  ";
  return c.severity == quality::Severity::kError ? "FAIL" : "warn";
}

Status Check(const std::string& dir, bool verbose, bool json) {
  WV_ASSIGN_OR_RETURN(const run::VerifyReport report, run::VerifyOutput(dir));
  int failed = 0, warnings = 0;
  nlohmann::json out = nlohmann::json::array();
  for (const quality::CheckResult& c : report.checks) {
    const bool failure = !c.passed && c.severity == quality::Severity::kError;
    failed += failure;
    warnings += !c.passed && !failure;
    if (json) {
      out.push_back(run::CheckToJson(c));
    } else if (!c.passed || verbose) {
      fmt::print("{} {}: {}\n", Mark(c), c.name, c.detail);
    }
  }
  if (json) fmt::print("{}\n", out.dump(2));
  if (failed > 0) {
    return MismatchError(
        fmt::format("check {}: {} of {} checks failed", dir, failed, report.checks.size()));
  }
  if (json) return OkStatus();
  if (warnings == 0) {
    fmt::print("check {}: all {} checks passed\n", dir, report.checks.size());
  } else {
    fmt::print("check {}: {} checks passed, {} warning(s) (counted anomalies, not failures)\n", dir,
               report.checks.size() - warnings, warnings);
  }
  return OkStatus();
}

}  // namespace

void RegisterCheckCommand(CLI::App& root, CommandAction* selected) {
  auto dir = std::make_shared<std::string>();
  auto verbose = std::make_shared<bool>(false);
  auto json = std::make_shared<bool>(false);
  auto s3 = std::make_shared<S3Flags>();
  auto* sub = root.add_subcommand(
      "check", "Re-read an output folder and verify it against its _manifest.json");
  sub->add_option("DIR", *dir, "Output folder of `wordviews run`")->required();
  sub->add_flag("--verbose,-v", *verbose, "List every check, not only failures");
  sub->add_flag("--json", *json, "Print the checks as JSON");
  AddS3Flags(sub, s3.get());
  sub->callback([=] {
    *selected = [=] {
      ApplyS3Flags(*s3);
      return Check(*dir, *verbose, *json);
    };
  });
}

}  // namespace wv::cli
