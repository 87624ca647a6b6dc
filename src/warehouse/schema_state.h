#ifndef WV_WAREHOUSE_SCHEMA_STATE_H_
#define WV_WAREHOUSE_SCHEMA_STATE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "warehouse/pg_connection.h"

// The schemas a load works with, what is in them, and how the loader
// recognises and removes its own. A load of schema S builds S_wv_staging,
// then swaps: S becomes S_wv_old and S_wv_staging becomes S, and S_wv_old is
// dropped. Every schema the loader creates carries a COMMENT starting with
// kSchemaMarker; the loader drops only such schemas, and in them only the
// relations it creates (KnownRelationNames(), and the partitions the catalog
// lists under its fact table, whatever their names), never with CASCADE, so that
// nothing it did not create (another schema's view on our tables, a DBA's
// table put into S) is ever dropped by it.
// Functions are thread-compatible (one connection each).
namespace wv::warehouse {

inline constexpr std::string_view kSchemaMarker = "wordviews load:";
inline constexpr std::string_view kMetadataTable = "load_metadata";

// The three names around a target schema.
struct SchemaNames {
  std::string target, staging, old;
};

// The names for `target`; a UsageError when it is empty, not UTF-8, holds a
// NUL, starts with "pg_" (reserved by PostgreSQL) or is too long for the
// suffixes to fit PostgreSQL's 63-byte names.
StatusOr<SchemaNames> NamesFor(std::string_view target);

// A schema as found in the database.
struct SchemaInfo {
  std::string name;
  bool exists = false;
  std::string comment;                 // COMMENT ON SCHEMA, "" when none
  std::vector<std::string> relations;  // tables, views, sequences... (not indexes)
  std::optional<std::string> run_id;   // from its load_metadata table, when ours
  std::vector<std::string> readers;    // roles (other than the owner) with USAGE on it
  // The partitions (at every level) of its fact table, from the catalog: a
  // relation merely named like one is not the loader's.
  std::vector<std::string> fact_partitions;
  // The optional indexes its fact table has (their columns, in
  // OptionalIndexColumns() order; the parent's indexes, not its partitions').
  std::vector<std::string> optional_indexes;

  bool ours() const { return exists && comment.starts_with(kSchemaMarker); }
  // True for a relation the loader creates: a known name or a partition of
  // the fact table.
  bool IsOwnRelation(const std::string& relation) const;
  // Relations the loader does not create, in name order.
  std::vector<std::string> ForeignRelations() const;
};

StatusOr<SchemaInfo> InspectSchema(PgConnection& conn, std::string_view name);

// True for the names of the research views (ResearchViews()).
bool IsResearchView(std::string_view relation);

// Every relation name a loaded schema holds: the star schema's tables, the
// summary tables, the views and the metadata table.
const std::vector<std::string>& KnownRelationNames();

// Drops the loader's relations in `info` and then the schema (RESTRICT), in
// one transaction that waits at most `lock_timeout_ms` for locks. An error
// (anything else left in it, another object depending on its tables, a lock
// held too long) leaves it as it was.
// REQUIRES: info.ours()
Status DropOwnSchema(PgConnection& conn, const SchemaInfo& info, int lock_timeout_ms);

}  // namespace wv::warehouse

#endif  // WV_WAREHOUSE_SCHEMA_STATE_H_
