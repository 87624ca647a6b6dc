// `wordviews check DIR`: verify an output folder against its manifest, and
// with --max-age, that its newest batch is recent enough (the alert hook).
#include <memory>
#include <string>
#include <string_view>

#include "cli/command.h"
#include "cli/s3_options.h"
#include "fmt/core.h"
#include "nlohmann/json.hpp"
#include "run/freshness.h"
#include "run/manifest.h"
#include "run/published_output.h"
#include "run/verify.h"

namespace wv::cli {
namespace {

// "ok  ", "FAIL" (an error-level check failed: a mismatch), "warn" (a
// counted anomaly, recomputed from the files: reported, never a failure).
std::string_view Mark(const quality::CheckResult& c) {
  if (c.passed) return "ok  ";
  return c.severity == quality::Severity::kError ? "FAIL" : "warn";
}

// The verification's checks, printed (all of them as JSON, or the failures
// and, with --verbose, the rest); a MismatchError when an error-level one failed.
Status ReportChecks(const std::string& dir, const run::VerifyReport& report, bool verbose,
                    bool json) {
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

// --max-age: a StaleError (exit 9) naming the newest batch, its time and its
// age when that age exceeds `max_age_hours`. The age is judged against
// run::FreshnessNow() (WV_NOW overrides the clock).
Status CheckFreshness(const run::PublishedOutput& out, double max_age_hours, bool json) {
  WV_ASSIGN_OR_RETURN(const std::string text, out.ReadFile(run::kManifestName));
  StatusOr<run::Freshness> freshness = run::FreshnessFromManifest(text);
  if (!freshness.ok()) return Annotate(freshness.status(), out.dir());
  WV_ASSIGN_OR_RETURN(const int64_t now, run::FreshnessNow());
  const int64_t age = now - freshness->batch_epoch;
  const std::string summary = fmt::format("newest batch {} at {} is {} old", freshness->batch_id,
                                          freshness->batch_time, run::AgeText(age));
  if (static_cast<double>(age) > max_age_hours * 3600) {
    return StaleError(
        fmt::format("check {}: {}, more than --max-age {:g} h", out.dir(), summary, max_age_hours));
  }
  if (!json)
    fmt::print("check {}: {} (within --max-age {:g} h)\n", out.dir(), summary, max_age_hours);
  return OkStatus();
}

Status Check(const std::string& dir, bool verbose, bool json, double max_age_hours) {
  WV_ASSIGN_OR_RETURN(const std::unique_ptr<run::PublishedOutput> out,
                      run::PublishedOutput::Open(dir));
  WV_ASSIGN_OR_RETURN(const run::VerifyReport report, run::VerifyOutput(*out));
  WV_RETURN_IF_ERROR(ReportChecks(dir, report, verbose, json));
  if (max_age_hours > 0) WV_RETURN_IF_ERROR(CheckFreshness(*out, max_age_hours, json));
  return OkStatus();
}

}  // namespace

void RegisterCheckCommand(CLI::App& root, CommandAction* selected) {
  auto dir = std::make_shared<std::string>();
  auto verbose = std::make_shared<bool>(false);
  auto json = std::make_shared<bool>(false);
  auto max_age = std::make_shared<double>(0);  // 0: no age check
  auto s3 = std::make_shared<S3Flags>();
  auto* sub = root.add_subcommand(
      "check", "Re-read an output folder and verify it against its _manifest.json");
  sub->add_option("DIR", *dir, "Output folder of `wordviews run`")->required();
  sub->add_flag("--verbose,-v", *verbose, "List every check, not only failures");
  sub->add_flag("--json", *json, "Print the checks as JSON");
  sub->add_option("--max-age", *max_age,
                  "Also fail (exit 9) when the newest batch is older than HOURS (the alert hook "
                  "for a missed deadline; WV_NOW=<ISO 8601 UTC> sets the clock it is judged by)")
      ->type_name("HOURS")
      ->check(CLI::PositiveNumber);
  AddS3Flags(sub, s3.get());
  sub->callback([=] {
    *selected = [=] {
      ApplyS3Flags(*s3);
      return Check(*dir, *verbose, *json, *max_age);
    };
  });
}

}  // namespace wv::cli
