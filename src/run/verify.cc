#include "run/verify.h"

#include <filesystem>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "core/crc32.h"
#include "fmt/core.h"
#include "run/manifest.h"
#include "run/published_output.h"
#include "model/star_schema.h"
#include "model/table_files.h"
#include "parquet/reader.h"

namespace wv::run {
using quality::CheckResult;

namespace {

namespace fs = std::filesystem;

CheckResult Mismatch(std::string name, bool passed, int64_t observed, int64_t expected,
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
  std::error_code ec;
  if (out.manifest() == nullptr) return out.manifest_status();
  const Manifest& m = *out.manifest();

  std::map<std::string, OpenTable> tables;
  std::set<std::string> listed;
  for (std::string_view table_name : model::kAllTables) {
    const model::TableRecord* t = m.FindTable(table_name);
    if (t == nullptr) {
      checks.push_back(Mismatch(fmt::format("{}.listed", table_name), false, 0, 1,
                                "the manifest does not list this table"));
      continue;
    }
    const parquet::Schema* schema = model::SchemaOf(table_name);
    OpenTable& open = tables[t->name];
    int64_t table_rows = 0;
    for (const model::FileRecord& f : t->files) {
      listed.insert(f.path);
      const fs::path path = fs::path(out.dir()) / f.path;
      StatusOr<std::string> bytes = out.ReadFile(f.path);
      if (!bytes.ok()) {
        checks.push_back(Mismatch(f.path + ".present", false, 0, 1, "file listed but missing"));
        continue;
      }
      const bool size_ok = bytes->size() == f.bytes;
      const uint32_t crc = Crc32(*bytes);
      checks.push_back(Mismatch(f.path + ".bytes", size_ok, static_cast<int64_t>(bytes->size()),
                                static_cast<int64_t>(f.bytes),
                                fmt::format("{} bytes, manifest says {}", bytes->size(), f.bytes)));
      checks.push_back(Mismatch(f.path + ".crc32", crc == f.crc32, crc, f.crc32,
                                fmt::format("crc32 {:08x}, manifest says {:08x}", crc, f.crc32)));
      StatusOr<std::unique_ptr<parquet::FileReader>> reader =
          parquet::FileReader::OpenBuffer(std::move(*bytes), path.string());
      if (!reader.ok()) {
        checks.push_back(Mismatch(f.path + ".readable", false, 0, 1, reader.status().message()));
        continue;
      }
      const int64_t rows = (*reader)->num_rows();
      table_rows += rows;
      checks.push_back(Mismatch(f.path + ".rows", rows == f.rows, rows, f.rows,
                                fmt::format("{} rows, manifest says {}", rows, f.rows)));
      bool schema_ok =
          schema != nullptr && (*reader)->schema().columns.size() == schema->columns.size();
      for (size_t c = 0; schema_ok && c < schema->columns.size(); ++c) {
        const auto& a = (*reader)->schema().columns[c];
        const auto& b = schema->columns[c];
        schema_ok = a.name == b.name && a.physical == b.physical;
      }
      checks.push_back(Mismatch(
          f.path + ".schema", schema_ok, schema_ok, 1,
          schema_ok ? "columns as the contract says" : "columns differ from the table's schema"));
      if (schema_ok) open.files.push_back(std::move(*reader));
    }
    checks.push_back(
        Mismatch(fmt::format("{}.rows", table_name), table_rows == t->rows, table_rows, t->rows,
                 fmt::format("{} rows in files, manifest says {}", table_rows, t->rows)));
    checks.push_back(Mismatch(fmt::format("{}.has_file", table_name), !t->files.empty(),
                              static_cast<int64_t>(t->files.size()), 1,
                              fmt::format("{} file(s)", t->files.size())));
  }

  // Parquet files present but not in the manifest.
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
  checks.push_back(Mismatch("no_unlisted_files", unlisted == 0, unlisted, 0,
                            unlisted == 0 ? "every file is in the manifest"
                                          : fmt::format("{} file(s) not in the manifest, e.g. {}",
                                                        unlisted, first_unlisted)));

  if (!AllErrorChecksPassed(checks)) return report;  // contents cannot be trusted further

  // Dimension keys unique; collect them for the foreign keys.
  absl::flat_hash_set<std::string> users, langs, words;
  absl::flat_hash_set<int64_t> epochs;
  auto collect_strings = [&](std::string_view table, std::string_view column,
                             absl::flat_hash_set<std::string>* set) -> Status {
    int64_t dup = 0, n = 0;
    WV_RETURN_IF_ERROR(
        ForEachChunk(tables[std::string(table)], column, [&](const parquet::ColumnVector& v) {
          for (size_t i = 0; i < v.bytes.size(); ++i, ++n) {
            dup += !set->emplace(v.bytes[i]).second;
          }
        }));
    checks.push_back(Mismatch(fmt::format("{}.{}.unique", table, column), dup == 0, dup, 0,
                              fmt::format("{} keys, {} repeated", n, dup)));
    return OkStatus();
  };
  WV_RETURN_IF_ERROR(collect_strings(model::kUsersTable, "user_id", &users));
  WV_RETURN_IF_ERROR(collect_strings(model::kLangsTable, "alpha2_code", &langs));
  WV_RETURN_IF_ERROR(collect_strings(model::kWordsTable, "lexeme_id", &words));
  {
    int64_t dup = 0, n = 0;
    WV_RETURN_IF_ERROR(ForEachChunk(tables[std::string(model::kTimesTable)], "epoch",
                                    [&](const parquet::ColumnVector& v) {
                                      for (int64_t e : v.i64) dup += !epochs.insert(e).second, ++n;
                                    }));
    checks.push_back(Mismatch("dim_times.epoch.unique", dup == 0, dup, 0,
                              fmt::format("{} keys, {} repeated", n, dup)));
  }

  // Every fact row's foreign keys resolve.
  const OpenTable& fact = tables[std::string(model::kFactTable)];
  auto fk_strings = [&](std::string_view column, const absl::flat_hash_set<std::string>& keys,
                        std::string_view dim) -> Status {
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
    checks.push_back(
        Mismatch(fmt::format("fact_wordviews.{}.resolves", column), missing == 0, missing, 0,
                 fmt::format("{} of {} fact rows without a row in {}", missing, n, dim)));
    return OkStatus();
  };
  WV_RETURN_IF_ERROR(fk_strings("user_id", users, model::kUsersTable));
  WV_RETURN_IF_ERROR(fk_strings("learning_language", langs, model::kLangsTable));
  WV_RETURN_IF_ERROR(fk_strings("ui_language", langs, model::kLangsTable));
  WV_RETURN_IF_ERROR(fk_strings("lexeme_id", words, model::kWordsTable));
  {
    int64_t missing = 0, n = 0;
    WV_RETURN_IF_ERROR(ForEachChunk(fact, "epoch", [&](const parquet::ColumnVector& v) {
      for (int64_t e : v.i64) missing += !epochs.contains(e), ++n;
    }));
    checks.push_back(
        Mismatch("fact_wordviews.epoch.resolves", missing == 0, missing, 0,
                 fmt::format("{} of {} fact rows without a row in dim_times", missing, n)));
  }

  // Reconciliation, from the files themselves.
  const int64_t fact_rows = m.FindTable(model::kFactTable)->rows;
  const int64_t quarantine_rows = m.FindTable(model::kQuarantineTable)->rows;
  checks.push_back(quality::CheckReconciliation(m.input_rows, fact_rows, quarantine_rows));
  checks.push_back(Mismatch("manifest.accepted_rows", m.accepted_rows == fact_rows, fact_rows,
                            m.accepted_rows, "fact rows in files vs rows.accepted"));
  checks.push_back(Mismatch("manifest.rejected_rows", m.rejected_rows == quarantine_rows,
                            quarantine_rows, m.rejected_rows,
                            "quarantine rows in files vs rows.rejected"));
  int64_t by_reason = 0;
  for (const auto& [reason, n] : m.rejected_by_reason) by_reason += n;
  checks.push_back(Mismatch("manifest.rejected_by_reason", by_reason == quarantine_rows, by_reason,
                            quarantine_rows, "sum of rejected_by_reason vs quarantine rows"));
  return report;
}

}  // namespace wv::run
