#include "warehouse/load_state.h"

#include <algorithm>
#include <map>
#include <utility>

#include "fmt/core.h"
#include "warehouse/sql_text.h"

namespace wv::warehouse {
namespace {

std::string BatchRowsSql(std::string_view schema, const std::vector<run::BatchRecord>& batches,
                         size_t first_position) {
  if (batches.empty()) return "";
  std::string values;
  for (size_t i = 0; i < batches.size(); ++i) {
    const run::BatchRecord& b = batches[i];
    values += fmt::format("{}({}, {}, {}, {}, {}, {})", values.empty() ? "" : ", ",
                          first_position + i + 1, QuoteLiteral(b.id), QuoteLiteral(b.appended_at),
                          b.input_rows, b.accepted_rows, b.rejected_rows);
  }
  return fmt::format(
      "INSERT INTO {} (position, batch_id, appended_at, input_rows, accepted_rows, "
      "rejected_rows) VALUES {};",
      QualifiedName(schema, kBatchesTable), values);
}

std::string FileRowsSql(std::string_view schema, std::string_view table,
                        const std::vector<model::FileRecord>& files) {
  if (files.empty()) return "";
  std::string values;
  for (const model::FileRecord& f : files) {
    values += fmt::format("{}({}, {}, {}, {})", values.empty() ? "" : ", ", QuoteLiteral(table),
                          QuoteLiteral(f.path), f.crc32, f.rows);
  }
  return fmt::format("INSERT INTO {} (table_name, path, crc32, rows) VALUES {};",
                     QualifiedName(schema, kFilesTable), values);
}

bool Contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

StatusOr<std::optional<LoadedState>> ReadLoadedState(PgConnection& conn, std::string_view schema) {
  WV_ASSIGN_OR_RETURN(
      const auto present,
      conn.Query("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                 "WHERE n.nspname = $1 AND c.relname IN ($2, $3) AND c.relkind = 'r'",
                 {std::string(schema), std::string(kBatchesTable), std::string(kFilesTable)}));
  if (present.empty() || present[0][0].value_or("0") != "2") {
    return std::optional<LoadedState>();
  }
  LoadedState state;
  WV_ASSIGN_OR_RETURN(const auto batches,
                      conn.Query(fmt::format("SELECT batch_id FROM {} ORDER BY position",
                                             QualifiedName(schema, kBatchesTable))));
  for (const PgRow& r : batches) state.batch_ids.push_back(r[0].value_or(""));
  WV_ASSIGN_OR_RETURN(
      const auto files,
      conn.Query(fmt::format("SELECT table_name, path, crc32, rows FROM {} ORDER BY 1, 2",
                             QualifiedName(schema, kFilesTable))));
  for (const PgRow& r : files) {
    state.files.push_back({r[0].value_or(""), r[1].value_or(""),
                           static_cast<uint32_t>(std::stoull(r[2].value_or("0"))),
                           std::stoll(r[3].value_or("0"))});
  }
  return std::optional<LoadedState>(std::move(state));
}

std::string CreateStateSql(std::string_view schema, const run::Manifest& m) {
  const std::string batches = QualifiedName(schema, kBatchesTable);
  const std::string files = QualifiedName(schema, kFilesTable);
  std::string sql = fmt::format(
      "CREATE TABLE {0} (position integer PRIMARY KEY, batch_id text NOT NULL, appended_at text "
      "NOT NULL, input_rows bigint NOT NULL, accepted_rows bigint NOT NULL, rejected_rows bigint "
      "NOT NULL, loaded_at timestamp with time zone NOT NULL DEFAULT now()); "
      "COMMENT ON TABLE {0} IS {1}; "
      "CREATE TABLE {2} (table_name text NOT NULL, path text NOT NULL, crc32 bigint NOT NULL, "
      "rows bigint NOT NULL, loaded_at timestamp with time zone NOT NULL DEFAULT now(), "
      "PRIMARY KEY (table_name, path)); "
      "COMMENT ON TABLE {2} IS {3}; ",
      batches,
      QuoteLiteral("The batches of the output these tables hold (`run --append` adds one each "
                   "time), oldest first, and when each was loaded"),
      files,
      QuoteLiteral("Every file of the output whose rows these tables hold (path, CRC-32, rows): "
                   "what `load --append` compares with the output's manifest"));
  sql += BatchRowsSql(schema, m.batches, 0);
  for (const model::TableRecord& t : m.tables) sql += FileRowsSql(schema, t.name, t.files);
  return sql;
}

StatusOr<AppendPlan> PlanAppend(const LoadedState& state, const run::Manifest& m,
                                const std::vector<std::string>& append_only) {
  if (state.batch_ids.size() > m.batches.size()) {
    return OutputError(fmt::format("the warehouse holds {} batches, the output {}",
                                   state.batch_ids.size(), m.batches.size()));
  }
  for (size_t i = 0; i < state.batch_ids.size(); ++i) {
    if (state.batch_ids[i] != m.batches[i].id) {
      return OutputError(fmt::format(
          "batch {} of the warehouse is {}, of the output {} (the output was rebuilt or is "
          "another one)",
          i + 1, state.batch_ids[i], m.batches[i].id));
    }
  }
  AppendPlan plan;
  plan.new_batches.assign(m.batches.begin() + static_cast<std::ptrdiff_t>(state.batch_ids.size()),
                          m.batches.end());
  std::map<std::string, std::map<std::string, const LoadedFile*>> loaded;
  for (const LoadedFile& f : state.files) loaded[f.table][f.path] = &f;
  for (const model::TableRecord& t : m.tables) {
    auto& had = loaded[t.name];
    std::vector<model::FileRecord> added;
    size_t kept = 0;
    for (const model::FileRecord& f : t.files) {
      const auto it = had.find(f.path);
      if (it == had.end()) {
        added.push_back(f);
      } else if (it->second->crc32 == f.crc32 && it->second->rows == f.rows) {
        ++kept;
      }
    }
    const bool unchanged_history = kept == had.size();
    if (Contains(append_only, t.name)) {
      if (!unchanged_history) {
        return OutputError(fmt::format(
            "table {}: a file the warehouse holds is no longer in the output or has changed (the "
            "output was rebuilt)",
            t.name));
      }
      if (!added.empty()) plan.added.push_back({t.name, std::move(added)});
    } else if (!unchanged_history || !added.empty()) {
      plan.replaced.push_back(t.name);
    }
    loaded.erase(t.name);
  }
  for (const auto& [table, files] : loaded) {
    if (!files.empty()) {
      return OutputError(fmt::format("the warehouse holds table {}, the output does not", table));
    }
  }
  return plan;
}

std::string RecordAppendSql(std::string_view schema, const AppendPlan& plan,
                            const run::Manifest& m) {
  const std::string files = QualifiedName(schema, kFilesTable);
  // PlanAppend took the new batches from the end of m's.
  std::string sql =
      BatchRowsSql(schema, plan.new_batches, m.batches.size() - plan.new_batches.size());
  for (const AppendPlan::Added& a : plan.added) sql += FileRowsSql(schema, a.table, a.files);
  for (const std::string& table : plan.replaced) {
    sql += fmt::format("DELETE FROM {} WHERE table_name = {}; ", files, QuoteLiteral(table));
    const model::TableRecord* t = m.FindTable(table);
    if (t != nullptr) sql += FileRowsSql(schema, table, t->files);
  }
  return sql;
}

}  // namespace wv::warehouse
