#include "run/verify.h"

#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "core/crc32.h"
#include "fmt/core.h"
#include "model/star_schema.h"
#include "model/table_files.h"
#include "parquet/reader.h"
#include "run/manifest.h"
#include "run/published_output.h"

namespace wv::run {
using quality::CheckResult;

namespace {

namespace fs = std::filesystem;

// A check result of `check`: an error-level check (every mismatch with the
// manifest fails the folder).
CheckResult MakeVerifyCheck(std::string name, bool passed, int64_t observed, int64_t expected,
                            std::string detail) {
  CheckResult r;
  r.name = std::move(name);
  r.passed = passed;
  r.observed = observed;
  r.expected = expected;
  r.detail = std::move(detail);
  return r;
}

// Opened, verified files of one table, for the key and FK passes.
struct OpenTable {
  std::vector<std::unique_ptr<parquet::FileReader>> files;
};
using OpenTables = std::map<std::string, OpenTable, std::less<>>;

// Calls fn(column) for every row group of `column_name` in the table.
Status ForEachChunk(const OpenTable& t, std::string_view column_name,
                    const std::function<void(const parquet::ColumnVector&)>& fn) {
  for (const auto& f : t.files) {
    const int c = f->ColumnIndex(column_name);
    if (c < 0) return InputError(fmt::format("column {} missing", column_name));
    for (int g = 0; g < f->num_row_groups(); ++g) {
      WV_ASSIGN_OR_RETURN(parquet::ColumnVector v, f->ReadColumn(g, c));
      fn(v);
    }
  }
  return OkStatus();
}

const OpenTable& TableOf(OpenTables& tables, std::string_view name) {
  return tables[std::string(name)];
}

bool SchemaMatches(const parquet::Schema& actual, const parquet::Schema* expected) {
  if (expected == nullptr || actual.columns.size() != expected->columns.size()) return false;
  for (size_t c = 0; c < expected->columns.size(); ++c) {
    const auto& a = actual.columns[c];
    const auto& b = expected->columns[c];
    if (a.name != b.name || a.physical != b.physical) return false;
  }
  return true;
}

// Checks one listed file: present, size, CRC-32, readable, rows, schema.
// Returns the opened file when its schema is the table's, else nullptr;
// adds its rows to *table_rows.
std::unique_ptr<parquet::FileReader> VerifyFile(const PublishedOutput& out,
                                                const model::FileRecord& f,
                                                const parquet::Schema* schema, int64_t* table_rows,
                                                std::vector<CheckResult>* checks) {
  const fs::path path = fs::path(out.dir()) / f.path;
  StatusOr<std::string> bytes = out.ReadFile(f.path);
  if (!bytes.ok()) {
    checks->push_back(MakeVerifyCheck(f.path + ".present", false, 0, 1, "file listed but missing"));
    return nullptr;
  }
  const bool size_ok = bytes->size() == f.bytes;
  const uint32_t crc = Crc32(*bytes);
  checks->push_back(
      MakeVerifyCheck(f.path + ".bytes", size_ok, static_cast<int64_t>(bytes->size()),
                      static_cast<int64_t>(f.bytes),
                      fmt::format("{} bytes, manifest says {}", bytes->size(), f.bytes)));
  checks->push_back(
      MakeVerifyCheck(f.path + ".crc32", crc == f.crc32, crc, f.crc32,
                      fmt::format("crc32 {:08x}, manifest says {:08x}", crc, f.crc32)));
  StatusOr<std::unique_ptr<parquet::FileReader>> reader =
      parquet::FileReader::OpenBuffer(std::move(*bytes), path.string());
  if (!reader.ok()) {
    checks->push_back(
        MakeVerifyCheck(f.path + ".readable", false, 0, 1, reader.status().message()));
    return nullptr;
  }
  const int64_t rows = (*reader)->num_rows();
  *table_rows += rows;
  checks->push_back(MakeVerifyCheck(f.path + ".rows", rows == f.rows, rows, f.rows,
                                    fmt::format("{} rows, manifest says {}", rows, f.rows)));
  const bool schema_ok = SchemaMatches((*reader)->schema(), schema);
  checks->push_back(MakeVerifyCheck(
      f.path + ".schema", schema_ok, schema_ok, 1,
      schema_ok ? "columns as the contract says" : "columns differ from the table's schema"));
  return schema_ok ? std::move(*reader) : nullptr;
}

// Checks every table's listed files; opens those whose schema is right and
// records every listed path in *listed.
OpenTables VerifyListedFiles(const PublishedOutput& out, const Manifest& m,
                             std::set<std::string>* listed, std::vector<CheckResult>* checks) {
  OpenTables tables;
  for (std::string_view table_name : model::kAllTables) {
    const model::TableRecord* t = m.FindTable(table_name);
    if (t == nullptr) {
      checks->push_back(MakeVerifyCheck(fmt::format("{}.listed", table_name), false, 0, 1,
                                        "the manifest does not list this table"));
      continue;
    }
    const parquet::Schema* schema = model::SchemaOf(table_name);
    OpenTable& open = tables[t->name];
    int64_t table_rows = 0;
    for (const model::FileRecord& f : t->files) {
      listed->insert(f.path);
      if (auto reader = VerifyFile(out, f, schema, &table_rows, checks)) {
        open.files.push_back(std::move(reader));
      }
    }
    checks->push_back(MakeVerifyCheck(
        fmt::format("{}.rows", table_name), table_rows == t->rows, table_rows, t->rows,
        fmt::format("{} rows in files, manifest says {}", table_rows, t->rows)));
    checks->push_back(MakeVerifyCheck(fmt::format("{}.has_file", table_name), !t->files.empty(),
                                      static_cast<int64_t>(t->files.size()), 1,
                                      fmt::format("{} file(s)", t->files.size())));
  }
  return tables;
}

// Files present in the tables' folders but not in the manifest.
CheckResult CheckNoUnlistedFiles(const fs::path& root, const std::set<std::string>& listed) {
  std::error_code ec;
  int64_t unlisted = 0;
  std::string first_unlisted;
  for (std::string_view table_name : model::kAllTables) {
    const fs::path tdir = root / table_name;
    if (!fs::is_directory(tdir, ec)) continue;
    for (const auto& e : fs::recursive_directory_iterator(tdir, ec)) {
      if (!e.is_regular_file()) continue;
      const std::string rel = e.path().lexically_relative(root).generic_string();
      if (!listed.count(rel)) {
        ++unlisted;
        if (first_unlisted.empty()) first_unlisted = rel;
      }
    }
  }
  return MakeVerifyCheck("no_unlisted_files", unlisted == 0, unlisted, 0,
                         unlisted == 0 ? "every file is in the manifest"
                                       : fmt::format("{} file(s) not in the manifest, e.g. {}",
                                                     unlisted, first_unlisted));
}

// The dimension keys, collected for the foreign-key pass.
struct DimensionKeySets {
  absl::flat_hash_set<std::string> users, langs, words;
  absl::flat_hash_set<int64_t> epochs;
};

// Collects a string key column into *set, checking that no key repeats.
Status CollectStringKeys(const OpenTable& table, std::string_view table_name,
                         std::string_view column, absl::flat_hash_set<std::string>* set,
                         std::vector<CheckResult>* checks) {
  int64_t dup = 0, n = 0;
  WV_RETURN_IF_ERROR(ForEachChunk(table, column, [&](const parquet::ColumnVector& v) {
    for (size_t i = 0; i < v.bytes.size(); ++i, ++n) dup += !set->emplace(v.bytes[i]).second;
  }));
  checks->push_back(MakeVerifyCheck(fmt::format("{}.{}.unique", table_name, column), dup == 0, dup,
                                    0, fmt::format("{} keys, {} repeated", n, dup)));
  return OkStatus();
}

StatusOr<DimensionKeySets> CollectDimensionKeys(OpenTables& tables,
                                                std::vector<CheckResult>* checks) {
  DimensionKeySets keys;
  WV_RETURN_IF_ERROR(CollectStringKeys(TableOf(tables, model::kUsersTable), model::kUsersTable,
                                       "user_id", &keys.users, checks));
  WV_RETURN_IF_ERROR(CollectStringKeys(TableOf(tables, model::kLangsTable), model::kLangsTable,
                                       "alpha2_code", &keys.langs, checks));
  WV_RETURN_IF_ERROR(CollectStringKeys(TableOf(tables, model::kWordsTable), model::kWordsTable,
                                       "lexeme_id", &keys.words, checks));
  int64_t dup = 0, n = 0;
  WV_RETURN_IF_ERROR(ForEachChunk(TableOf(tables, model::kTimesTable), "epoch",
                                  [&](const parquet::ColumnVector& v) {
                                    for (int64_t e : v.i64)
                                      dup += !keys.epochs.insert(e).second, ++n;
                                  }));
  checks->push_back(MakeVerifyCheck("dim_times.epoch.unique", dup == 0, dup, 0,
                                    fmt::format("{} keys, {} repeated", n, dup)));
  return keys;
}

// Checks that every fact row's string foreign key `column` is in `keys`.
Status CheckStringForeignKey(const OpenTable& fact, std::string_view column,
                             const absl::flat_hash_set<std::string>& keys, std::string_view dim,
                             std::vector<CheckResult>* checks) {
  int64_t missing = 0, n = 0;
  WV_RETURN_IF_ERROR(ForEachChunk(fact, column, [&](const parquet::ColumnVector& v) {
    std::string_view last;
    bool last_ok = false;
    for (size_t i = 0; i < v.bytes.size(); ++i, ++n) {
      const std::string_view k = v.bytes[i];
      if (!(last_ok && k == last)) {
        last = k;
        last_ok = keys.contains(std::string(k));
      }
      missing += !last_ok;
    }
  }));
  checks->push_back(
      MakeVerifyCheck(fmt::format("fact_wordviews.{}.resolves", column), missing == 0, missing, 0,
                      fmt::format("{} of {} fact rows without a row in {}", missing, n, dim)));
  return OkStatus();
}

Status CheckForeignKeys(const OpenTable& fact, const DimensionKeySets& keys,
                        std::vector<CheckResult>* checks) {
  WV_RETURN_IF_ERROR(
      CheckStringForeignKey(fact, "user_id", keys.users, model::kUsersTable, checks));
  WV_RETURN_IF_ERROR(
      CheckStringForeignKey(fact, "learning_language", keys.langs, model::kLangsTable, checks));
  WV_RETURN_IF_ERROR(
      CheckStringForeignKey(fact, "ui_language", keys.langs, model::kLangsTable, checks));
  WV_RETURN_IF_ERROR(
      CheckStringForeignKey(fact, "lexeme_id", keys.words, model::kWordsTable, checks));
  int64_t missing = 0, n = 0;
  WV_RETURN_IF_ERROR(ForEachChunk(fact, "epoch", [&](const parquet::ColumnVector& v) {
    for (int64_t e : v.i64) missing += !keys.epochs.contains(e), ++n;
  }));
  checks->push_back(
      MakeVerifyCheck("fact_wordviews.epoch.resolves", missing == 0, missing, 0,
                      fmt::format("{} of {} fact rows without a row in dim_times", missing, n)));
  return OkStatus();
}

// Reconciliation, from the files themselves, and the manifest's row counts.
void CheckRowCounts(const Manifest& m, std::vector<CheckResult>* checks) {
  const int64_t fact_rows = m.FindTable(model::kFactTable)->rows;
  const int64_t quarantine_rows = m.FindTable(model::kQuarantineTable)->rows;
  checks->push_back(quality::CheckReconciliation(m.input_rows, fact_rows, quarantine_rows));
  checks->push_back(MakeVerifyCheck("manifest.accepted_rows", m.accepted_rows == fact_rows,
                                    fact_rows, m.accepted_rows,
                                    "fact rows in files vs rows.accepted"));
  checks->push_back(MakeVerifyCheck("manifest.rejected_rows", m.rejected_rows == quarantine_rows,
                                    quarantine_rows, m.rejected_rows,
                                    "quarantine rows in files vs rows.rejected"));
  int64_t by_reason = 0;
  for (const auto& [reason, n] : m.rejected_by_reason) by_reason += n;
  checks->push_back(MakeVerifyCheck("manifest.rejected_by_reason", by_reason == quarantine_rows,
                                    by_reason, quarantine_rows,
                                    "sum of rejected_by_reason vs quarantine rows"));
}

}  // namespace

StatusOr<VerifyReport> VerifyOutput(const std::string& dir) {
  WV_ASSIGN_OR_RETURN(const std::unique_ptr<PublishedOutput> out, PublishedOutput::Open(dir));
  return VerifyOutput(*out);
}

StatusOr<VerifyReport> VerifyOutput(const PublishedOutput& out) {
  VerifyReport report;
  auto& checks = report.checks;
  // Listed files are opened through `out` (one version, no path leaving
  // it); the walk for unlisted files goes through its pinned root.
  const fs::path root(out.root());
  if (out.manifest() == nullptr) return out.manifest_status();
  const Manifest& m = *out.manifest();

  std::set<std::string> listed;
  OpenTables tables = VerifyListedFiles(out, m, &listed, &checks);
  checks.push_back(CheckNoUnlistedFiles(root, listed));
  if (!AllErrorChecksPassed(checks)) return report;  // contents cannot be trusted further

  WV_ASSIGN_OR_RETURN(const DimensionKeySets keys, CollectDimensionKeys(tables, &checks));
  WV_RETURN_IF_ERROR(CheckForeignKeys(TableOf(tables, model::kFactTable), keys, &checks));
  CheckRowCounts(m, &checks);
  return report;
}

}  // namespace wv::run
