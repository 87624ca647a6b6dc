#include "report/quality_section.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "fmt/core.h"
#include "report/html.h"

namespace wv::report {
namespace {

using quality::CheckResult;
using quality::Severity;

enum class Outcome { kPass, kWarning, kFail };

// Warnings are counted anomalies: never failures, whatever `passed` says.
Outcome OutcomeOf(const CheckResult& c) {
  if (c.passed) return Outcome::kPass;
  return c.severity == Severity::kWarning ? Outcome::kWarning : Outcome::kFail;
}

// How an outcome shows: the row's CSS class and the word in the result column.
struct OutcomeStyle {
  const char* row_class;
  const char* text;
};

OutcomeStyle StyleOf(Outcome o) {
  switch (o) {
    case Outcome::kPass:
      return {"pass", "passed"};
    case Outcome::kWarning:
      return {"warn", "warning"};
    case Outcome::kFail:
      return {"fail", "failed"};
  }
  return {"", ""};
}

std::string Plural(int64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string Summary(const std::vector<CheckResult>& checks) {
  if (checks.empty()) return Answer("The manifest of the run that wrote this folder:");
  int64_t passed = 0, warnings = 0, failed = 0;
  for (const CheckResult& c : checks) {
    switch (OutcomeOf(c)) {
      case Outcome::kPass:
        ++passed;
        break;
      case Outcome::kWarning:
        ++warnings;
        break;
      case Outcome::kFail:
        ++failed;
        break;
    }
  }
  std::string s = fmt::format("{} of {} quality checks passed", passed, checks.size());
  if (failed > 0) s += fmt::format(", <strong class=\"bad\">{} failed</strong>", failed);
  if (warnings > 0) {
    s += fmt::format("; <strong class=\"warning\">{}</strong> (counted anomalies, not failures)",
                     Plural(warnings, "warning", "warnings"));
  }
  return Answer(s + ".");
}

std::string ChecksTable(const std::vector<CheckResult>& checks) {
  std::string rows =
      "\n<thead><tr><th>check</th><th>severity</th><th>result</th><th>observed</th>"
      "<th>expected</th><th>detail</th></tr></thead>\n<tbody>\n";
  for (const CheckResult& c : checks) {
    const OutcomeStyle style = StyleOf(OutcomeOf(c));
    rows += fmt::format(
        "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td>{}</td></tr>\n",
        style.row_class, EscapeHtml(c.name), quality::SeverityName(c.severity), style.text,
        c.observed, c.expected, EscapeHtml(c.detail));
  }
  return "<h3>Quality checks</h3>\n" + TableWrap("", rows + "</tbody>");
}

// Rows of a two-column key/value table (keys and values are escaped here).
std::string KeyValueRows(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string rows = "<tbody>\n";
  for (const auto& [key, value] : pairs) {
    rows += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", EscapeHtml(key), EscapeHtml(value));
  }
  return rows + "</tbody>";
}

std::string RunTable(const run::Manifest& m) {
  std::string arguments;
  for (const std::string& a : m.arguments) arguments += (arguments.empty() ? "" : " ") + a;
  return TableWrap("class=\"kv\"",
                   KeyValueRows({{"run_id", m.run_id},
                                 {"program_version", m.program_version},
                                 {"created_at", m.created_at},
                                 {"format_version", std::to_string(m.format_version)},
                                 {"arguments", arguments},
                                 {"input rows", Thousands(m.input_rows)},
                                 {"accepted rows", Thousands(m.accepted_rows)},
                                 {"rejected rows", Thousands(m.rejected_rows)},
                                 {"peak_rss_bytes", Thousands(m.peak_rss_bytes)}}));
}

std::string RejectedTable(const run::Manifest& m) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& [reason, rows] : m.rejected_by_reason)
    pairs.emplace_back(reason, Thousands(rows));
  if (pairs.empty()) return "";
  return "<h3>Rejected rows by reason</h3>\n" + TableWrap("", KeyValueRows(pairs));
}

std::string OptionsTable(const run::Manifest& m) {
  if (m.options.empty()) return "";
  return "<h3>Options</h3>\n" + TableWrap("", KeyValueRows({m.options.begin(), m.options.end()}));
}

std::string TablesTable(const run::Manifest& m) {
  if (m.tables.empty()) return "";
  std::string rows =
      "\n<thead><tr><th>table</th><th>rows</th><th>files</th><th>bytes</th></tr></thead>\n"
      "<tbody>\n";
  for (const run::TableRecord& t : m.tables) {
    uint64_t bytes = 0;
    for (const run::FileRecord& f : t.files) bytes += f.bytes;
    rows += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td></tr>\n",
        EscapeHtml(t.name), Thousands(t.rows), t.files.size(),
        Thousands(static_cast<int64_t>(bytes)));
  }
  return "<h3>Tables written</h3>\n" + TableWrap("", rows + "</tbody>");
}

std::string InputsTable(const run::Manifest& m) {
  if (m.inputs.empty()) return "";
  std::string rows =
      "\n<thead><tr><th>input</th><th>bytes</th><th>crc32</th></tr></thead>\n<tbody>\n";
  for (const run::InputFileRecord& f : m.inputs) {
    rows += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td>{:08x}</td></tr>\n",
                        EscapeHtml(f.path), Thousands(static_cast<int64_t>(f.bytes)), f.crc32);
  }
  return "<h3>Inputs</h3>\n" + TableWrap("", rows + "</tbody>");
}

std::string StagesTable(const run::Manifest& m) {
  if (m.stage_seconds.empty()) return "";
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& [stage, seconds] : m.stage_seconds) {
    pairs.emplace_back(stage, fmt::format("{:.3f} s", seconds));
  }
  return "<h3>Stages</h3>\n" + TableWrap("", KeyValueRows(pairs));
}

}  // namespace

std::string QualitySectionFor(const run::Manifest& m) {
  std::string s = Summary(m.checks) + RunTable(m);
  if (!m.checks.empty()) s += ChecksTable(m.checks);
  return s + RejectedTable(m) + TablesTable(m) + InputsTable(m) + OptionsTable(m) + StagesTable(m);
}

std::string QualitySection(const std::string& dir) {
  const std::filesystem::path path = std::filesystem::path(dir) / run::kManifestName;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Answer(
        "No <code>_manifest.json</code> in this folder: no quality-check results to show.");
  }
  std::stringstream text;
  text << in.rdbuf();
  const StatusOr<run::Manifest> manifest = run::ManifestFromJson(text.str());
  if (!manifest.ok()) {
    return Answer(fmt::format("<code>_manifest.json</code> could not be read: {}",
                              EscapeHtml(manifest.status().message())));
  }
  return QualitySectionFor(*manifest);
}

}  // namespace wv::report
