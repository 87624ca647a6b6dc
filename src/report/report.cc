#include "report/report.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "analytics/queries.h"
#include "analytics/warehouse.h"
#include "core/civil_time.h"
#include "fmt/core.h"
#include "io/atomic_file.h"
#include "nlohmann/json.hpp"
#include "parquet/reader.h"
#include "report/html.h"
#include "run/published_output.h"

namespace wv::report {

namespace fs = std::filesystem;
using analytics::ResultTable;
using analytics::ValueType;

namespace {

// ---- reading result tables by column name --------------------------------

const analytics::ResultColumn& Col(const ResultTable& t, std::string_view name) {
  const int i = t.ColumnIndex(name);
  // The report is written against the queries' own column names: a miss is a bug.
  if (i < 0) throw std::logic_error(fmt::format("report: no column {}", name));
  return t.column(static_cast<size_t>(i));
}
std::string Str(const ResultTable& t, std::string_view name, size_t row) {
  const auto& c = Col(t, name);
  return c.is_null(row) ? "" : c.strings[row];
}
int64_t Int(const ResultTable& t, std::string_view name, size_t row) {
  const auto& c = Col(t, name);
  return c.is_null(row) ? 0 : c.ints[row];
}
std::optional<double> Dbl(const ResultTable& t, std::string_view name, size_t row) {
  const auto& c = Col(t, name);
  if (c.is_null(row)) return std::nullopt;
  return c.doubles[row];
}

std::string PairLabel(const ResultTable& t, size_t row) {
  return Str(t, "learning_language", row) + "\u2190" + Str(t, "ui_language", row);
}

// "Spanish; Castilian" -> "Spanish": the reference's full names are long.
std::string ShortName(const std::string& name) { return name.substr(0, name.find(';')); }

std::string PairPhrase(const analytics::Warehouse& w, const std::string& learning,
                       const std::string& ui) {
  const auto ln = w.LanguageName(learning), un = w.LanguageName(ui);
  return fmt::format("{} learned from {} ({}\u2190{})", ShortName(ln.value_or(learning)),
                     ShortName(un.value_or(ui)), learning, ui);
}

std::string DaysText(std::optional<double> d) {
  if (!d) return "n/a";
  if (*d < 1) return fmt::format("{:.1f} hours", *d * 24);
  return fmt::format("{:.1f} days", *d);
}

std::string PValueText(std::optional<double> p) {
  if (!p) return "n/a";
  if (*p < 1e-300) return "p &lt; 1e-300";
  if (*p < 0.001) return fmt::format("p = {:.1e}", *p);
  return fmt::format("p = {:.3f}", *p);
}

const char* EffectWord(double v) {
  // Cohen's conventional thresholds for Cramér's V.
  if (v < 0.1) return "negligible";
  if (v < 0.3) return "small";
  if (v < 0.5) return "medium";
  return "large";
}

// ---- HTML pieces ---------------------------------------------------------

// A result table as HTML, with people's formatting, every cell escaped.
std::string HtmlTable(const ResultTable& t, const std::vector<std::string>& columns,
                      size_t max_rows = SIZE_MAX) {
  std::vector<size_t> idx;
  for (const auto& name : columns) {
    const int i = t.ColumnIndex(name);
    if (i >= 0) idx.push_back(static_cast<size_t>(i));
  }
  std::string s = "<div class=\"tablewrap\"><table>\n<thead><tr>";
  for (size_t i : idx) {
    s += fmt::format("<th title=\"{}\">{}</th>", EscapeHtml(t.column(i).description),
                     EscapeHtml(t.column(i).name));
  }
  s += "</tr></thead>\n<tbody>\n";
  for (size_t r = 0; r < std::min(max_rows, t.num_rows()); ++r) {
    s += "<tr>";
    for (size_t i : idx) {
      const auto& c = t.column(i);
      s += fmt::format("<td{}>{}</td>", c.type == ValueType::kString ? "" : " class=\"num\"",
                       EscapeHtml(analytics::CellDisplay(c, r)));
    }
    s += "</tr>\n";
  }
  s += "</tbody></table></div>\n";
  return s;
}

std::string Section(std::string_view id, std::string_view title, std::string_view body) {
  return fmt::format("<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n", id, title, body);
}

std::string Answer(std::string_view html) {
  return fmt::format("<p class=\"answer\">{}</p>\n", html);
}


// ---- the manifest --------------------------------------------------------

bool IsScalar(const nlohmann::ordered_json& j) { return !j.is_object() && !j.is_array(); }

std::string JsonText(const nlohmann::ordered_json& j, size_t limit = 240) {
  std::string s = j.is_string()
                      ? j.get<std::string>()
                      : j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  if (s.size() > limit) s = s.substr(0, limit) + "\u2026";
  return EscapeHtml(s);
}

// "pass"/"fail" of a check object, if it says.
std::optional<bool> CheckOutcome(const nlohmann::ordered_json& row) {
  if (!row.is_object()) return std::nullopt;
  for (const char* key : {"passed", "ok", "pass", "success"}) {
    auto it = row.find(key);
    if (it != row.end() && it->is_boolean()) return it->get<bool>();
  }
  for (const char* key : {"status", "result", "outcome"}) {
    auto it = row.find(key);
    if (it != row.end() && it->is_string()) {
      std::string v = it->get<std::string>();
      std::transform(v.begin(), v.end(), v.begin(), ::tolower);
      if (v == "pass" || v == "passed" || v == "ok" || v == "success") return true;
      if (v == "fail" || v == "failed" || v == "error") return false;
    }
  }
  return std::nullopt;
}

// An array of objects (or an object of objects, keyed) as a table whose
// columns are the union of the scalar-or-nested keys, in first-seen order.
std::string JsonRecordsTable(
    const std::vector<std::pair<std::string, const nlohmann::ordered_json*>>& rows,
    std::string_view key_header, int* passed, int* failed) {
  std::vector<std::string> keys;
  for (const auto& [name, row] : rows) {
    if (!row->is_object()) continue;
    for (auto it = row->begin(); it != row->end(); ++it) {
      if (std::find(keys.begin(), keys.end(), it.key()) == keys.end()) keys.push_back(it.key());
    }
  }
  std::string s = "<div class=\"tablewrap\"><table>\n<thead><tr>";
  if (!key_header.empty()) s += fmt::format("<th>{}</th>", EscapeHtml(key_header));
  for (const auto& k : keys) s += fmt::format("<th>{}</th>", EscapeHtml(k));
  s += "</tr></thead>\n<tbody>\n";
  for (const auto& [name, row] : rows) {
    const auto outcome = CheckOutcome(*row);
    if (outcome) ++(*outcome ? *passed : *failed);
    s += outcome ? (*outcome ? "<tr class=\"pass\">" : "<tr class=\"fail\">") : "<tr>";
    if (!key_header.empty()) s += fmt::format("<td>{}</td>", EscapeHtml(name));
    for (const auto& k : keys) {
      auto it = row->is_object() ? row->find(k) : row->end();
      s += fmt::format("<td>{}</td>", it == row->end() ? "" : JsonText(*it));
    }
    s += "</tr>\n";
  }
  s += "</tbody></table></div>\n";
  return s;
}

std::string ManifestSection(const std::string& dir) {
  const fs::path path = fs::path(dir) / "_manifest.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Answer(
        "No <code>_manifest.json</code> in this folder: no quality-check results to show.");
  }
  std::stringstream buf;
  buf << in.rdbuf();
  const nlohmann::ordered_json m =
      nlohmann::ordered_json::parse(buf.str(), nullptr, /*allow_exceptions=*/false);
  if (m.is_discarded() || !m.is_object()) {
    return Answer("<code>_manifest.json</code> is not a JSON object; it could not be summarised.");
  }
  std::string body;
  int passed = 0, failed = 0;
  // Quality checks first: the keys that name checks, whatever their exact spelling.
  std::vector<std::string> order;
  for (auto it = m.begin(); it != m.end(); ++it) {
    if (it.key().find("check") != std::string::npos ||
        it.key().find("quality") != std::string::npos) {
      order.push_back(it.key());
    }
  }
  for (auto it = m.begin(); it != m.end(); ++it) {
    if (std::find(order.begin(), order.end(), it.key()) == order.end()) order.push_back(it.key());
  }
  std::string scalars;
  for (const auto& key : order) {
    const nlohmann::ordered_json& v = m[key];
    if (IsScalar(v)) {
      scalars += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", EscapeHtml(key), JsonText(v));
      continue;
    }
    std::vector<std::pair<std::string, const nlohmann::ordered_json*>> rows;
    bool records = true;
    if (v.is_array()) {
      for (size_t i = 0; i < v.size(); ++i) {
        records = records && v[i].is_object();
        rows.emplace_back(std::to_string(i + 1), &v[i]);
      }
    } else {
      for (auto it = v.begin(); it != v.end(); ++it) {
        records = records && it->is_object();
        rows.emplace_back(it.key(), &*it);
      }
    }
    body += fmt::format("<h3>{}</h3>\n", EscapeHtml(key));
    if (rows.empty()) {
      body += "<p class=\"muted\">(empty)</p>\n";
    } else if (records) {
      body += JsonRecordsTable(rows, v.is_array() ? "" : "name", &passed, &failed);
    } else {
      std::string t = "<div class=\"tablewrap\"><table><tbody>\n";
      for (const auto& [name, value] : rows) {
        t += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", EscapeHtml(name), JsonText(*value));
      }
      body += t + "</tbody></table></div>\n";
    }
  }
  std::string summary;
  if (passed + failed > 0) {
    summary = Answer(fmt::format(
        "{} of {} quality checks passed{}.", passed, passed + failed,
        failed > 0 ? fmt::format(", <strong class=\"bad\">{} failed</strong>", failed) : ""));
  } else {
    summary = Answer("The manifest of the run that wrote this folder:");
  }
  if (!scalars.empty()) {
    scalars = "<div class=\"tablewrap\"><table class=\"kv\"><tbody>\n" + scalars +
              "</tbody></table></div>\n";
  }
  return summary + scalars + body;
}

// ---- the data dictionary -------------------------------------------------

struct ColumnDoc {
  const char* name;
  const char* description;
};
struct TableDoc {
  const char* table;
  const char* description;
  std::vector<ColumnDoc> columns;
};

const std::vector<TableDoc>& Dictionary() {
  static const std::vector<TableDoc> kDocs = {
      {"fact_wordviews",
       "One row per accepted learning trace (a word seen in a session). Hive-partitioned by UTC "
       "day "
       "(date=YYYY-MM-DD).",
       {{"timestamp", "time of the session, UTC"},
        {"epoch", "UNIX seconds of the session (key of dim_times)"},
        {"user_id", "anonymised student (key of dim_users)"},
        {"learning_language", "language being learned, ISO 639-1 (key of dim_langs)"},
        {"ui_language", "language of the app's interface, ISO 639-1 (key of dim_langs)"},
        {"lexeme_id", "the word (key of dim_words)"},
        {"delta", "seconds since the user last saw this word"},
        {"p_recall", "share of the session's exercises on the word answered correctly"},
        {"session_seen", "times the word was seen in the session"},
        {"session_correct", "times it was answered correctly in the session"},
        {"history_seen", "times seen before the session"},
        {"history_correct", "times correct before the session"},
        {"session_pct", "session_correct / session_seen"},
        {"history_pct", "history_correct / history_seen (null when history_seen = 0)"},
        {"source_file", "lineage: input file of the row"},
        {"line_number", "lineage: line of the row in its input file"}}},
      {"dim_users",
       "One row per student.",
       {{"user_id", "key"},
        {"number_of_sessions", "distinct timestamps of the user"},
        {"first_seen", "first session"},
        {"last_seen", "last session"},
        {"views", "fact rows of the user"},
        {"number_of_courses", "distinct language pairs of the user"}}},
      {"dim_times",
       "One row per distinct session time, all calendar fields in UTC.",
       {{"epoch", "key: UNIX seconds"},
        {"timestamp", "the same instant as a timestamp"},
        {"hour", "0-23"},
        {"day", "day of the month"},
        {"week", "ISO 8601 week number"},
        {"month", "1-12"},
        {"year", "calendar year"},
        {"weekday", "ISO: 1 = Monday ... 7 = Sunday"},
        {"date", "calendar date"}}},
      {"dim_langs",
       "Languages that occur in accepted traces.",
       {{"alpha2_code", "key: ISO 639-1 code"},
        {"english_name", "full English name from the reference"},
        {"french_name", "French name from the reference"}}},
      {"dim_words",
       "One row per lexeme (word form with its tags).",
       {{"lexeme_id", "key: 32 hex digits"},
        {"language", "the learning language"},
        {"lexeme_string", "the lexeme tag: surface/lemma<pos><modifiers...>"},
        {"surface", "text before the first /"},
        {"lemma", "between that / and the first <"},
        {"part_of_speech", "first tag after the lemma (e.g. vblex, n, adj)"}}},
      {"quarantine",
       "Every rejected input row with the first failing reason.",
       {{"source_file", "input file"},
        {"line_number", "line in the input file"},
        {"reason",
         "malformed, missing_value, bad_number, out_of_range, unknown_language, "
         "bad_lexeme or duplicate"},
        {"detail", "what exactly failed"},
        {"raw_line", "the input line as read"}}},
  };
  return kDocs;
}

std::string TypeName(const parquet::ColumnSchema& c) {
  using parquet::LogicalType;
  using parquet::PhysicalType;
  std::string t;
  switch (c.logical) {
    case LogicalType::kString:
      t = "string";
      break;
    case LogicalType::kTimestampMicrosUtc:
      t = "timestamp (UTC, µs)";
      break;
    case LogicalType::kDate:
      t = "date";
      break;
    case LogicalType::kInt8:
    case LogicalType::kInt16:
    case LogicalType::kInt32:
      t = "int32";
      break;
    case LogicalType::kInt64:
      t = "int64";
      break;
    case LogicalType::kNone:
      switch (c.physical) {
        case PhysicalType::kBoolean:
          t = "boolean";
          break;
        case PhysicalType::kInt32:
          t = "int32";
          break;
        case PhysicalType::kInt64:
          t = "int64";
          break;
        case PhysicalType::kFloat:
          t = "float";
          break;
        case PhysicalType::kDouble:
          t = "double";
          break;
        case PhysicalType::kByteArray:
          t = "bytes";
          break;
      }
      break;
  }
  if (c.repetition == parquet::Repetition::kOptional) t += ", nullable";
  return t;
}

std::string DictionarySection(const std::string& dir) {
  std::string s = Answer(
      "Each table is a folder of Parquet files. Types are read from the files themselves; "
      "descriptions follow the star-schema contract.");
  for (const auto& doc : Dictionary()) {
    s += fmt::format("<h3 id=\"dict-{0}\">{0}</h3>\n<p>{1}</p>\n", doc.table,
                     EscapeHtml(doc.description));
    std::vector<parquet::ColumnSchema> schema;
    auto files = analytics::ListParquetFiles((fs::path(dir) / doc.table).string());
    if (files.ok() && !files->empty()) {
      auto reader = parquet::FileReader::Open(files->front());
      if (reader.ok()) schema = (*reader)->schema().columns;
    }
    s += "<div class=\"tablewrap\"><table class=\"dict\"><thead><tr><th>column</th><th>type</th>"
         "<th>description</th></tr></thead><tbody>\n";
    auto describe = [&](const std::string& name) -> std::string {
      for (const auto& c : doc.columns) {
        if (name == c.name) return c.description;
      }
      return "";
    };
    if (schema.empty()) {
      for (const auto& c : doc.columns) {
        s += fmt::format(
            "<tr><td>{}</td><td class=\"muted\">(table not found)</td><td>{}</td></tr>\n", c.name,
            EscapeHtml(c.description));
      }
    } else {
      for (const auto& c : schema) {
        s += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", EscapeHtml(c.name),
                         EscapeHtml(TypeName(c)), EscapeHtml(describe(c.name)));
      }
    }
    s += "</tbody></table></div>\n";
  }
  return s;
}

constexpr const char* kStyle = R"css(
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       background: #fafafa; margin: 0; line-height: 1.45; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 64px; background: #fff;
       box-shadow: 0 0 12px rgba(0,0,0,.06); }
header h1 { margin: 0 0 4px; font-size: 28px; }
.meta { color: #555; margin: 0 0 12px; }
nav ol { columns: 2; margin: 8px 0 0; padding-left: 20px; }
nav a { color: #0b57a4; text-decoration: none; }
section { border-top: 1px solid #e5e5e5; margin-top: 28px; padding-top: 8px; }
h2 { font-size: 21px; margin: 12px 0 8px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
.answer { background: #eef5fc; border-left: 4px solid #0072B2; padding: 10px 14px; margin: 8px 0 14px; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
svg.chart { max-width: 100%; height: auto; background: #fff; }
.tablewrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 12px; }
th, td { border-bottom: 1px solid #e8e8e8; padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: #f3f3f3; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.pass td:first-child::before { content: "\2714  "; color: #1b7f3b; }
tr.fail td:first-child::before { content: "\2718  "; color: #b3261e; }
tr.fail { background: #fdecea; }
.bad { color: #b3261e; }
.muted { color: #777; }
code { background: #f3f3f3; padding: 0 3px; border-radius: 3px; }
footer { color: #777; font-size: 12px; margin-top: 36px; }
)css";

}  // namespace

StatusOr<std::string> RenderReport(const std::string& dir, const ReportOptions& options) {
  using namespace analytics;
  uint32_t columns = 0;
  for (const auto& q : AllQueries()) columns |= q.fact_columns;
  // One version of DIR for the tables, the manifest and the dictionary, even
  // while a run republishes it: every read below goes through out->root().
  WV_ASSIGN_OR_RETURN(const std::unique_ptr<run::PublishedOutput> out,
                      run::PublishedOutput::Open(dir));
  StatusOr<Warehouse> loaded =
      LoadWarehouse(out->root(), columns, /*load_words=*/true, options.threads);
  if (!loaded.ok()) return out->Localize(loaded.status());
  Warehouse w = std::move(loaded).value();
  w.dir = dir;
  QueryOptions qo;
  qo.threads = options.threads;
  QueryOptions words_options = qo;
  words_options.top = 5;  // per language: a readable table
  // The queries are independent reads of the loaded warehouse: run them on two
  // threads (the retention fits, the heaviest, on the second).
  using Query = StatusOr<ResultTable> (*)(const Warehouse&, const QueryOptions&);
  struct Job {
    Query query;
    const QueryOptions* options;
    std::optional<StatusOr<ResultTable>> result;
  };
  std::vector<Job> jobs = {
      {QueryRetentionPairs, &qo, {}},  {QueryRetentionUi, &qo, {}},
      {QueryForgettingCurve, &qo, {}}, {QueryPairUsers, &qo, {}},
      {QueryPairViews, &qo, {}},       {QueryTimeOfDay, &qo, {}},
      {QueryTimeOfDayTest, &qo, {}},   {QueryHardestWords, &words_options, {}},
      {QueryRecallByPos, &qo, {}},
  };
  auto run_jobs = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) jobs[i].result = jobs[i].query(w, *jobs[i].options);
  };
  const size_t split = options.threads > 1 ? 2 : jobs.size();
  std::thread second;
  if (split < jobs.size()) second = std::thread(run_jobs, size_t{0}, split);
  run_jobs(split < jobs.size() ? split : 0, jobs.size());
  if (second.joinable()) second.join();
  for (auto& j : jobs) {
    if (!j.result->ok()) return j.result->status();
  }
  ResultTable& ret_pairs = jobs[0].result->value();
  ResultTable& ret_ui = jobs[1].result->value();
  ResultTable& curve = jobs[2].result->value();
  ResultTable& users = jobs[3].result->value();
  ResultTable& views = jobs[4].result->value();
  ResultTable& hours = jobs[5].result->value();
  ResultTable& hour_test = jobs[6].result->value();
  ResultTable& hardest = jobs[7].result->value();
  ResultTable& by_pos = jobs[8].result->value();

  const FactTable& f = w.facts;
  int64_t min_epoch = INT64_MAX, max_epoch = INT64_MIN;
  for (const auto& c : f.chunks) {
    for (int64_t e : c.epoch) {
      min_epoch = std::min(min_epoch, e);
      max_epoch = std::max(max_epoch, e);
    }
  }
  const std::string period =
      f.num_rows > 0 ? fmt::format("{} to {} (UTC)", DateString(DaysFromEpochSeconds(min_epoch)),
                                   DateString(DaysFromEpochSeconds(max_epoch)))
                     : "no data";

  std::string html;
  html.reserve(1 << 20);
  html +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>wordviews report</title>\n<style>";
  html += kStyle;
  html +=
      "</style>\n</head>\n<body>\n<main>\n<header>\n<h1>Word views: what the learning traces "
      "say</h1>\n";
  html += fmt::format(
      "<p class=\"meta\">Star schema in <code>{}</code>: {} word views by {} users in {} language "
      "pairs, {}. Pairs are written learning\u2190interface (es\u2190en: Spanish learned by users "
      "of "
      "the English interface).</p>\n",
      EscapeHtml(dir), Thousands(f.num_rows), Thousands(static_cast<int64_t>(f.num_users)),
      f.pairs.size(), period);
  html +=
      "<nav><ol>\n"
      "<li><a href=\"#q-common\">Which language pairs are most common?</a></li>\n"
      "<li><a href=\"#q-activity\">Which pair has the most activity?</a></li>\n"
      "<li><a href=\"#q-time\">Do pairs correlate with time of day?</a></li>\n"
      "<li><a href=\"#q-retention-pairs\">Which pair retains words best?</a></li>\n"
      "<li><a href=\"#q-retention-ui\">Which interface language retains words best?</a></li>\n"
      "<li><a href=\"#words\">Hardest words and parts of speech</a></li>\n"
      "<li><a href=\"#quality\">Quality checks</a></li>\n"
      "<li><a href=\"#dictionary\">Data dictionary</a></li>\n"
      "</ol></nav>\n</header>\n";

  if (f.num_rows == 0) {
    html += Section("q-common", "No data",
                    Answer("The fact table is empty: there is nothing to analyse."));
  } else {
    // 1. Most common pairs (by users).
    {
      std::string body;
      const size_t n = users.num_rows();
      std::string sentence = fmt::format(
          "The most common pair is <strong>{}</strong>: {} users, {} of all {} users.",
          EscapeHtml(
              PairPhrase(w, Str(users, "learning_language", 0), Str(users, "ui_language", 0))),
          Thousands(Int(users, "users", 0)), Percent(Dbl(users, "share", 0).value_or(NAN)),
          Thousands(static_cast<int64_t>(f.num_users)));
      if (n > 1) {
        sentence += fmt::format(
            " Next: {} ({} users){}. {} pairs in all; a user taking several courses counts in "
            "each.",
            EscapeHtml(
                PairPhrase(w, Str(users, "learning_language", 1), Str(users, "ui_language", 1))),
            Thousands(Int(users, "users", 1)),
            n > 2 ? fmt::format(" and {} ({} users)",
                                EscapeHtml(PairPhrase(w, Str(users, "learning_language", 2),
                                                      Str(users, "ui_language", 2))),
                                Thousands(Int(users, "users", 2)))
                  : "",
            n);
      }
      body += Answer(sentence);
      BarChart uc{"Distinct users per pair", {}, {}, {}};
      for (size_t r = 0; r < n; ++r) {
        uc.labels.push_back(PairLabel(users, r));
        uc.values.push_back(static_cast<double>(Int(users, "users", r)));
        uc.value_texts.push_back(fmt::format("{} ({})", Thousands(Int(users, "users", r)),
                                             Percent(Dbl(users, "share", r).value_or(NAN))));
      }
      body += "<div class=\"charts\">" + RenderBarChart(uc) + "</div>\n";
      html += Section("q-common", "1. Which language pairs are most common?", body);
    }
    // 2. Activity.
    {
      std::string body;
      body += Answer(fmt::format(
          "<strong>{}</strong> has the most activity: {} word views ({} of all), {} sessions and "
          "{} exercises.",
          EscapeHtml(
              PairPhrase(w, Str(views, "learning_language", 0), Str(views, "ui_language", 0))),
          Thousands(Int(views, "views", 0)), Percent(Dbl(views, "share_of_views", 0).value_or(NAN)),
          Thousands(Int(views, "sessions", 0)), Thousands(Int(views, "exercises", 0))));
      BarChart vc{"Word views per pair", {}, {}, {}};
      BarChart sc{"Sessions per pair", {}, {}, {}};
      for (size_t r = 0; r < views.num_rows(); ++r) {
        vc.labels.push_back(PairLabel(views, r));
        vc.values.push_back(static_cast<double>(Int(views, "views", r)));
        vc.value_texts.push_back(Thousands(Int(views, "views", r)));
        sc.labels.push_back(PairLabel(views, r));
        sc.values.push_back(static_cast<double>(Int(views, "sessions", r)));
        sc.value_texts.push_back(Thousands(Int(views, "sessions", r)));
      }
      body += "<div class=\"charts\">" + RenderBarChart(vc) + RenderBarChart(sc) + "</div>\n";
      body += HtmlTable(views, {"learning_language", "ui_language", "views", "sessions",
                                "exercises", "share_of_views"});
      html += Section("q-activity", "2. Which pair has the most activity?", body);
    }
    // 3. Time of day.
    {
      std::string body;
      const size_t overall = hour_test.num_rows() - 1;
      const auto chi2 = Dbl(hour_test, "chi2", overall);
      const auto p = Dbl(hour_test, "p_value", overall);
      const auto v = Dbl(hour_test, "cramers_v", overall);
      std::string sentence;
      if (p && v) {
        const bool significant = *p < 0.05;
        sentence = fmt::format(
            "{}: the hour-of-day distribution {} the pair (chi-square test of independence, "
            "&chi;&sup2; = {:.1f}, dof = {}, {}; Cram&eacute;r's V = {:.3f}, a {} effect).",
            significant ? "Yes" : "No evidence",
            significant ? "depends on" : "does not detectably depend on", chi2.value_or(0),
            Int(hour_test, "dof", overall), PValueText(p), *v, EffectWord(*v));
      } else {
        sentence = "Not testable: a single pair or a single hour in the data.";
      }
      sentence += fmt::format(" Overall peak: {:02}:00 UTC.", Int(hour_test, "peak_hour", overall));
      // The pair that differs most from the overall hour profile.
      size_t most = 0;
      for (size_t r = 0; r < overall; ++r) {
        if (Dbl(hour_test, "cramers_v", r).value_or(0) >
            Dbl(hour_test, "cramers_v", most).value_or(0))
          most = r;
      }
      if (overall > 0 && Dbl(hour_test, "cramers_v", most)) {
        sentence += fmt::format(
            " The pair whose hours differ most from the rest is {} (peak {:02}:00 UTC, V = "
            "{:.3f}).",
            EscapeHtml(PairLabel(hour_test, most)), Int(hour_test, "peak_hour", most),
            *Dbl(hour_test, "cramers_v", most));
      }
      body += Answer(sentence);
      Heatmap hm;
      hm.title = "Share of each pair's views by UTC hour";
      for (int h = 0; h < 24; ++h) hm.column_labels.push_back(fmt::format("{:02}", h));
      double max_share = 0;
      for (size_t r = 0; r < hours.num_rows(); ++r)
        max_share = std::max(max_share, Dbl(hours, "share_of_pair", r).value_or(0));
      for (size_t r = 0; r < hours.num_rows(); ++r) {
        const int64_t h = Int(hours, "hour", r);
        if (h == 0) {
          hm.row_labels.push_back(PairLabel(hours, r));
          hm.values.emplace_back(24, 0.0);
          hm.tooltips.emplace_back(24, "");
        }
        const double share = Dbl(hours, "share_of_pair", r).value_or(0);
        hm.values.back()[h] = max_share > 0 ? share / max_share : 0;
        hm.tooltips.back()[h] = fmt::format("{} {:02}:00 UTC: {} views ({})", PairLabel(hours, r),
                                            h, Thousands(Int(hours, "views", r)), Percent(share));
      }
      body += "<div class=\"charts\">" + RenderHeatmap(hm) + "</div>\n";
      body += HtmlTable(hour_test, {"scope", "learning_language", "ui_language", "views", "chi2",
                                    "dof", "p_value", "cramers_v", "peak_hour", "peak_hour_share"});
      body +=
          "<p class=\"muted\">Per pair: goodness of fit of the pair's hour distribution against "
          "all "
          "pairs' (the per-pair &chi;&sup2; add up to the overall test). With millions of views, "
          "even small differences are significant: read the effect size.</p>\n";
      html += Section("q-time", "3. Do pairs correlate with time of day?", body);
    }
    // 4. Retention per pair.
    {
      std::string body;
      const size_t last = ret_pairs.num_rows() - 1;
      auto ci_text = [](const ResultTable& t, size_t r) {
        return fmt::format("{} (95% CI {}&ndash;{})",
                           Percent(Dbl(t, "recall_rate", r).value_or(NAN), 2),
                           Percent(Dbl(t, "ci_low", r).value_or(NAN), 2),
                           Percent(Dbl(t, "ci_high", r).value_or(NAN), 2));
      };
      std::string sentence = fmt::format(
          "<strong>{}</strong> retains words best: recall {} over {} exercises, estimated "
          "half-life "
          "{}.",
          EscapeHtml(PairPhrase(w, Str(ret_pairs, "learning_language", 0),
                                Str(ret_pairs, "ui_language", 0))),
          ci_text(ret_pairs, 0), Thousands(Int(ret_pairs, "exercises", 0)),
          DaysText(Dbl(ret_pairs, "half_life_days", 0)));
      if (last > 0) {
        sentence +=
            fmt::format(" Lowest: {} with {}, half-life {}.",
                        EscapeHtml(PairPhrase(w, Str(ret_pairs, "learning_language", last),
                                              Str(ret_pairs, "ui_language", last))),
                        ci_text(ret_pairs, last), DaysText(Dbl(ret_pairs, "half_life_days", last)));
        const bool overlap =
            Dbl(ret_pairs, "ci_low", 0).value_or(0) <= Dbl(ret_pairs, "ci_high", 1).value_or(0);
        sentence += overlap ? " The best two pairs' intervals overlap: their order is not certain."
                            : " The best pair's interval does not overlap the runner-up's.";
      }
      body += Answer(sentence);
      IntervalChart ic;
      ic.title = "Recall rate per pair with 95% Wilson intervals";
      for (size_t r = 0; r < ret_pairs.num_rows(); ++r) {
        ic.labels.push_back(PairLabel(ret_pairs, r));
        ic.values.push_back(Dbl(ret_pairs, "recall_rate", r).value_or(0));
        ic.lows.push_back(Dbl(ret_pairs, "ci_low", r).value_or(0));
        ic.highs.push_back(Dbl(ret_pairs, "ci_high", r).value_or(0));
      }
      LineChart lc;
      lc.title = "Forgetting curves: recall rate by time since last seen";
      lc.y_label = "time since the word was last seen (delta)";
      for (const auto& b : LagBuckets()) lc.x_labels.push_back(b.label);
      const size_t nb = LagBuckets().size();
      for (size_t r = 0; r < curve.num_rows(); ++r) {
        if (Int(curve, "bucket_index", r) == 0) {
          lc.series_names.push_back(PairLabel(curve, r));
          lc.series.emplace_back(nb);
        }
        lc.series.back()[Int(curve, "bucket_index", r)] = Dbl(curve, "recall_rate", r);
      }
      body += "<div class=\"charts\">" + RenderIntervalChart(ic) + RenderLineChart(lc) + "</div>\n";
      body += HtmlTable(ret_pairs, {"rank", "learning_language", "ui_language", "views",
                                    "exercises", "recall_rate", "ci_low", "ci_high",
                                    "mean_p_recall", "median_lag_days", "half_life_days"});
      body +=
          "<p class=\"muted\">recall_rate = &Sigma; session_correct / &Sigma; session_seen. "
          "Half-life: maximum-likelihood h of p = 2<sup>&minus;&Delta;/h</sup> (&Delta; in days) "
          "with binomial outcomes per row. The intervals treat exercises as independent, so they "
          "are narrower than with per-user clustering.</p>\n";
      html += Section("q-retention-pairs", "4. Which pair retains words best?", body);
    }
    // 5. Retention per UI language.
    {
      std::string body;
      const size_t last = ret_ui.num_rows() - 1;
      std::string sentence = fmt::format(
          "Users of the <strong>{}</strong> interface retain words best across their learning "
          "languages: recall {} (95% CI {}&ndash;{}), half-life {}.",
          EscapeHtml(ShortName(Str(ret_ui, "ui_name", 0).empty() ? Str(ret_ui, "ui_language", 0)
                                                                 : Str(ret_ui, "ui_name", 0))),
          Percent(Dbl(ret_ui, "recall_rate", 0).value_or(NAN), 2),
          Percent(Dbl(ret_ui, "ci_low", 0).value_or(NAN), 2),
          Percent(Dbl(ret_ui, "ci_high", 0).value_or(NAN), 2),
          DaysText(Dbl(ret_ui, "half_life_days", 0)));
      if (last > 0) {
        sentence += fmt::format(" Lowest: {} ({}).",
                                EscapeHtml(ShortName(Str(ret_ui, "ui_name", last).empty()
                                                         ? Str(ret_ui, "ui_language", last)
                                                         : Str(ret_ui, "ui_name", last))),
                                Percent(Dbl(ret_ui, "recall_rate", last).value_or(NAN), 2));
      }
      body += Answer(sentence);
      IntervalChart ic;
      ic.title = "Recall rate per interface language with 95% Wilson intervals";
      for (size_t r = 0; r < ret_ui.num_rows(); ++r) {
        ic.labels.push_back(Str(ret_ui, "ui_language", r));
        ic.values.push_back(Dbl(ret_ui, "recall_rate", r).value_or(0));
        ic.lows.push_back(Dbl(ret_ui, "ci_low", r).value_or(0));
        ic.highs.push_back(Dbl(ret_ui, "ci_high", r).value_or(0));
      }
      body += "<div class=\"charts\">" + RenderIntervalChart(ic) + "</div>\n";
      body += HtmlTable(
          ret_ui, {"rank", "ui_language", "ui_name", "learning_languages", "views", "recall_rate",
                   "ci_low", "ci_high", "mean_p_recall", "median_lag_days", "half_life_days"});
      html += Section("q-retention-ui", "5. Which interface language retains words best?", body);
    }
    // Extras.
    {
      std::string body;
      if (hardest.num_rows() > 0) {
        size_t h = 0;  // the lowest recall over all languages (first on ties: language order)
        for (size_t r = 1; r < hardest.num_rows(); ++r) {
          if (Dbl(hardest, "recall_rate", r).value_or(1) <
              Dbl(hardest, "recall_rate", h).value_or(1))
            h = r;
        }
        body += Answer(fmt::format(
            "The hardest word overall among words with at least {} views is <code>{}</code> ({}) "
            "with recall {} over {} views.",
            qo.min_views, EscapeHtml(Str(hardest, "lexeme_string", h)),
            EscapeHtml(Str(hardest, "learning_language", h)),
            Percent(Dbl(hardest, "recall_rate", h).value_or(NAN), 1),
            Thousands(Int(hardest, "views", h))));
      } else {
        body += Answer("No word has enough views to be ranked.");
      }
      body +=
          fmt::format("<h3>Hardest words per learning language</h3>\n<p class=\"muted\">{}</p>\n",
                      EscapeHtml(hardest.note()));
      body += HtmlTable(hardest, {"learning_language", "rank", "lexeme_string", "part_of_speech",
                                  "views", "recall_rate", "ci_low", "ci_high"});
      body += "<h3>Recall by part of speech</h3>\n";
      body += HtmlTable(by_pos, {"part_of_speech", "words", "views", "recall_rate", "ci_low",
                                 "ci_high", "mean_p_recall"});
      html += Section("words", "Hardest words and parts of speech", body);
    }
  }
  html += Section("quality", "Quality checks", ManifestSection(out->root()));
  html += Section("dictionary", "Data dictionary", DictionarySection(out->root()));
  html += fmt::format(
      "<footer>Written by wordviews {} from the Parquet files in <code>{}</code>. Self-contained: "
      "no "
      "script, no external resource.</footer>\n</main>\n</body>\n</html>\n",
      WV_VERSION, EscapeHtml(dir));
  return html;
}

Status WriteReport(const std::string& dir, const std::string& out_path,
                   const ReportOptions& options) {
  // A missing result column is a bug in this file, reported rather than crashing.
  auto render = [&]() -> StatusOr<std::string> {
    try {
      return RenderReport(dir, options);
    } catch (const std::exception& e) {
      return InternalError(fmt::format("report: {}", e.what()));
    }
  };
  WV_ASSIGN_OR_RETURN(const std::string html, render());
  return io::PublishFileAtomically(out_path, html);
}

}  // namespace wv::report
