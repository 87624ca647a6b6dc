#include "warehouse/schema_state.h"

#include <algorithm>

#include "analytics/queries.h"
#include "core/utf8.h"
#include "fmt/core.h"
#include "model/star_schema.h"
#include "warehouse/ddl.h"
#include "warehouse/load_state.h"
#include "warehouse/sql_text.h"
#include "warehouse/views.h"

namespace wv::warehouse {
namespace {

constexpr std::string_view kStagingSuffix = "_wv_staging";
constexpr std::string_view kOldSuffix = "_wv_old";

}  // namespace

bool IsResearchView(std::string_view relation) {
  static const std::vector<std::string> kViews = [] {
    std::vector<std::string> names;
    for (const ViewSql& v : ResearchViews("s", Dialect::kPostgres)) names.push_back(v.name);
    return names;
  }();
  return std::find(kViews.begin(), kViews.end(), relation) != kViews.end();
}

StatusOr<SchemaNames> NamesFor(std::string_view target) {
  if (target.empty()) return UsageError("--schema: the name is empty");
  if (target.find('\0') != std::string_view::npos || !IsValidUtf8(target)) {
    return UsageError("--schema: the name must be UTF-8 text without NUL");
  }
  if (target.starts_with("pg_")) {
    return UsageError("--schema: names starting with pg_ are reserved by PostgreSQL");
  }
  const size_t room = kMaxIdentifierBytes - kStagingSuffix.size();
  if (target.size() > room) {
    return UsageError(fmt::format(
        "--schema: at most {} bytes (PostgreSQL keeps {}-byte names and the loader adds {})", room,
        kMaxIdentifierBytes, kStagingSuffix));
  }
  return SchemaNames{std::string(target), std::string(target) + std::string(kStagingSuffix),
                     std::string(target) + std::string(kOldSuffix)};
}

const std::vector<std::string>& KnownRelationNames() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const model::TableContract& t : model::AllTableContracts()) names.emplace_back(t.name);
    for (const auto& q : analytics::AllQueries()) {
      names.push_back(SummaryTableName(q.name));
      if (IsResearchView(SqlNameOf(q.name))) names.push_back(SqlNameOf(q.name));
    }
    names.emplace_back(kMetadataTable);
    names.emplace_back(kBatchesTable);
    names.emplace_back(kFilesTable);
    return names;
  }();
  return kNames;
}

bool SchemaInfo::IsOwnRelation(const std::string& relation) const {
  const auto& known = KnownRelationNames();
  return std::find(known.begin(), known.end(), relation) != known.end() ||
         std::find(fact_partitions.begin(), fact_partitions.end(), relation) !=
             fact_partitions.end();
}

std::vector<std::string> SchemaInfo::ForeignRelations() const {
  std::vector<std::string> out;
  for (const std::string& r : relations) {
    if (!IsOwnRelation(r)) out.push_back(r);
  }
  std::sort(out.begin(), out.end());
  return out;
}

StatusOr<SchemaInfo> InspectSchema(PgConnection& conn, std::string_view name) {
  SchemaInfo info;
  info.name = std::string(name);
  WV_ASSIGN_OR_RETURN(
      const auto found,
      conn.Query("SELECT n.oid::text, coalesce(obj_description(n.oid, 'pg_namespace'), '') "
                 "FROM pg_namespace n WHERE n.nspname = $1",
                 {info.name}));
  if (found.empty()) return info;
  info.exists = true;
  const std::string oid = found[0][0].value_or("0");
  info.comment = found[0][1].value_or("");
  WV_ASSIGN_OR_RETURN(const auto relations,
                      conn.Query("SELECT relname FROM pg_class WHERE relnamespace = $1::oid "
                                 "AND relkind NOT IN ('i', 'I', 't', 'c') ORDER BY relname",
                                 {oid}));
  for (const PgRow& r : relations) info.relations.push_back(r[0].value_or(""));
  WV_ASSIGN_OR_RETURN(const auto partitions,
                      conn.Query("SELECT c.relname FROM pg_partition_tree(to_regclass($1)) t "
                                 "JOIN pg_class c ON c.oid = t.relid WHERE t.level > 0 ORDER BY 1",
                                 {QualifiedName(name, model::kFactTable)}));
  for (const PgRow& r : partitions) info.fact_partitions.push_back(r[0].value_or(""));
  WV_ASSIGN_OR_RETURN(const auto indexes,
                      conn.Query("SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = "
                                 "i.indexrelid WHERE i.indrelid = to_regclass($1) ORDER BY 1",
                                 {QualifiedName(name, model::kFactTable)}));
  std::vector<std::string> index_names;
  for (const PgRow& r : indexes) index_names.push_back(r[0].value_or(""));
  info.optional_indexes = OptionalIndexesAmong(*model::FindTable(model::kFactTable), index_names);
  WV_ASSIGN_OR_RETURN(
      const auto readers,
      conn.Query("SELECT DISTINCT r.rolname FROM pg_namespace n, aclexplode(n.nspacl) a, "
                 "pg_roles r WHERE n.oid = $1::oid AND r.oid = a.grantee "
                 "AND a.privilege_type = 'USAGE' AND a.grantee <> n.nspowner ORDER BY 1",
                 {oid}));
  for (const PgRow& r : readers) info.readers.push_back(r[0].value_or(""));
  const bool has_metadata = std::find(info.relations.begin(), info.relations.end(),
                                      kMetadataTable) != info.relations.end();
  if (info.ours() && has_metadata) {
    StatusOr<std::vector<PgRow>> run = conn.Query(
        fmt::format("SELECT run_id FROM {} LIMIT 1", QualifiedName(name, kMetadataTable)));
    if (run.ok() && !run->empty()) info.run_id = (*run)[0][0];
  }
  return info;
}

Status DropOwnSchema(PgConnection& conn, const SchemaInfo& info, int lock_timeout_ms) {
  std::string views, tables;
  for (const std::string& r : info.relations) {
    if (!info.IsOwnRelation(r)) continue;
    std::string& list = IsResearchView(r) ? views : tables;
    list += (list.empty() ? "" : ", ") + QualifiedName(info.name, r);
  }
  std::string sql = fmt::format("BEGIN; SET LOCAL lock_timeout = {}; ", lock_timeout_ms);
  if (!views.empty()) sql += "DROP VIEW " + views + "; ";
  if (!tables.empty()) sql += "DROP TABLE " + tables + "; ";
  sql += fmt::format("DROP SCHEMA {}; COMMIT;", QuoteIdentifier(info.name));
  Status s = conn.Exec(sql);
  if (!s.ok()) {
    (void)conn.Exec("ROLLBACK");
    return Annotate(s, fmt::format("removing schema {}", info.name));
  }
  return OkStatus();
}

}  // namespace wv::warehouse
