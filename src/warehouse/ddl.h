#ifndef WV_WAREHOUSE_DDL_H_
#define WV_WAREHOUSE_DDL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/star_schema.h"
#include "warehouse/sql_text.h"

// The star schema's tables as SQL, generated from the contract
// (model/star_schema.h): column types, nullability, primary keys, the fact
// table's foreign keys, indexes for the research queries, and the contract's
// descriptions as COMMENTs. The statements are separate so that the loader
// can run them in its own order (tables first, keys after the data, the
// foreign keys last); `wordviews ddl` prints them in that order.
//
// PostgreSQL: constraints are added by ALTER TABLE after the data is in
// (building an index once is faster than maintaining it row by row).
// Redshift: constraints are informational (Redshift does not enforce them but
// its planner uses them) and declared in CREATE TABLE, with the distribution
// and sort keys (see RedshiftLayout).
//
// Pure functions of the contract; thread-safe.
namespace wv::warehouse {

// The SQL type of a contract column: one that holds every value the
// pipeline accepts (docs/PIPELINE.md, "Accepted ranges").
std::string SqlType(const model::ColumnContract& column, Dialect d);

// CREATE TABLE schema.table (...): columns with NOT NULL from the contract;
// PostgreSQL text columns that are keys or foreign keys COLLATE "C" (ids and
// codes: bytewise indexes build and search several times faster than with a
// locale's rules). For Redshift also the primary and foreign keys and the
// layout.
std::string CreateTableSql(const model::TableContract& table, std::string_view schema, Dialect d);

// The primary key's constraint (and index) name: "<table>_pkey".
std::string PrimaryKeyName(const model::TableContract& table);

// PostgreSQL: the fact table is partitioned in two levels. PARTITION BY LIST
// (source_file): one partition "<table>_b<K>" per load, holding the input
// files of the batches it loaded (K: the number of the output's batches
// then), so that `load --append` adds a day as a new partition, built on its
// own and attached (no per-row foreign-key checks of the new rows, nothing
// rewritten). Each of those PARTITION BY HASH (line_number) into
// kFactPartitions leaves "<table>_b<K>_p<i>" (MODULUS kFactPartitions,
// REMAINDER i), so that a full load copies each with COPY FREEZE in a session
// of its own (FREEZE needs the one transaction that truncated the table) and
// builds their indexes and validates their foreign keys side by side. The
// parents' keys, indexes and foreign keys adopt the leaves'. Analysts query
// the top table; the views read it. PostgreSQL requires both partition keys
// in the primary key: (source_file, line_number) is it.
inline constexpr int kFactPartitions = 2;
bool IsPartitioned(const model::TableContract& table, Dialect d);
// "<table>_b<batch>" and "<table>_b<batch>_p<i>".
std::string BatchPartitionName(const model::TableContract& table, int batch);
std::string LeafName(const model::TableContract& table, int batch, int i);
// The list partitioning column (the first of the primary key) and the hash
// partitioning column (the last).
std::string_view ListColumn(const model::TableContract& table);
std::string_view PartitionColumn(const model::TableContract& table);
// Which leaf a row with hash partition key `value` belongs to: PostgreSQL's
// hash partitioning of a bigint (hashint8extended with the partition seed,
// combined as compute_partition_hash_value does), modulo kFactPartitions.
int PartitionOf(int64_t value);
// The partition of batch `batch` holding the rows whose source_file is one of
// `values` (REQUIRES: not empty), and its leaves, with COMMENTs: created as a
// partition of the table (`attached`), or on its own, to be attached by
// AttachBatchPartitionSql. REQUIRES: IsPartitioned(table, kPostgres).
std::vector<std::string> CreateBatchPartitionSqls(const model::TableContract& table,
                                                  std::string_view schema, int batch,
                                                  const std::vector<std::string>& values,
                                                  bool attached);
std::string AttachBatchPartitionSql(const model::TableContract& table, std::string_view schema,
                                    int batch, const std::vector<std::string>& values);
// ALTER TABLE ... ADD CONSTRAINT <table>_pkey PRIMARY KEY (...): for the
// partitioned parent (which has no ADD ... USING INDEX): it adopts the
// partitions' primary keys when they exist, builds them otherwise.
std::string PrimaryKeySql(const model::TableContract& table, std::string_view schema);

// PostgreSQL, in two steps so that the fact table's other indexes can be
// built at the same time (CREATE INDEX takes a SHARE lock, which does not
// conflict with itself; ALTER TABLE ... ADD PRIMARY KEY takes ACCESS
// EXCLUSIVE): the unique index, then the constraint that adopts it.
// `relation` (default: the table) may name one of its partitions; the index
// and constraint are then named as PostgreSQL names those it creates on a
// partition for the parent's ("<partition>_pkey"), so that the parent adopts
// them and the catalog is the same either way.
std::string PrimaryKeyIndexSql(const model::TableContract& table, std::string_view schema,
                               std::string_view relation = {});
std::string AttachPrimaryKeySql(const model::TableContract& table, std::string_view schema,
                                std::string_view relation = {});

// PostgreSQL: one ALTER TABLE adding every foreign key of `table` (empty
// when it has none): "<table>_<column>_fkey ... REFERENCES". With a
// partition's name as `relation`, the same constraints on that partition
// (as PostgreSQL names them), NOT VALID when `not_valid`.
std::string ForeignKeysSql(const model::TableContract& table, std::string_view schema,
                           std::string_view relation = {}, bool not_valid = false);
// ALTER TABLE <relation> VALIDATE CONSTRAINT ... for each foreign key.
std::string ValidateForeignKeysSql(const model::TableContract& table, std::string_view schema,
                                   std::string_view relation);

// The rows of `from`.<table> (a copy of the table's new version) made those
// of `to`.<table>: UPDATE of the rows whose other columns differ (rows that
// are equal are not written), INSERT of the new keys, DELETE of the keys
// `from` does not have, each one join. `load --append` merges the dimensions
// so.
std::string MergeRowsSql(const model::TableContract& table, std::string_view from,
                         std::string_view to);

// A secondary index: what it serves is its COMMENT.
struct IndexSql {
  std::string name;
  std::string create;   // CREATE INDEX ...
  std::string comment;  // COMMENT ON INDEX ...
};
// The columns of the secondary indexes built only when asked for
// (`load --index COLUMN`), in a fixed order.
std::vector<std::string> OptionalIndexColumns();
// `columns` in OptionalIndexColumns() order, once each, without those that
// name no optional index.
std::vector<std::string> InIndexOrder(const std::vector<std::string>& columns);
// The columns of `table`'s optional indexes whose names are among
// `index_names` (the indexes a loaded table has), in the same order.
std::vector<std::string> OptionalIndexesAmong(const model::TableContract& table,
                                              const std::vector<std::string>& index_names);
// PostgreSQL: the indexes of `table` besides its primary key: those always
// built and the optional ones whose column is in `optional`. For a partition
// (`relation` set), the same indexes on it, named as PostgreSQL names those
// it creates for the parent's ("<partition>_<column>_idx"), without comments.
std::vector<IndexSql> SecondaryIndexes(const model::TableContract& table, std::string_view schema,
                                       const std::vector<std::string>& optional,
                                       std::string_view relation = {});

// COMMENT ON TABLE and COMMENT ON COLUMN for every column, from the contract.
std::vector<std::string> CommentSqls(const model::TableContract& table, std::string_view schema,
                                     Dialect d);

// Redshift: how a table is laid out on the slices, e.g. "DISTSTYLE ALL" for
// the dimensions, "DISTKEY (user_id) SORTKEY (\"timestamp\")" for the fact
// table (docs/WAREHOUSE.md explains the choice).
std::string RedshiftLayout(const model::TableContract& table);

// Redshift: COPY schema.table FROM '<prefix>/<table>.manifest' IAM_ROLE ...
// FORMAT AS PARQUET MANIFEST. `iam_role` empty: IAM_ROLE default (the
// cluster's default role). `prefix` without a trailing '/'.
std::string RedshiftCopySql(const model::TableContract& table, std::string_view schema,
                            std::string_view prefix, std::string_view iam_role);

// The star schema's tables in creation order: those without foreign keys
// (the dimensions, the quarantine), then those that reference them.
std::vector<const model::TableContract*> TablesInCreationOrder();

}  // namespace wv::warehouse

#endif  // WV_WAREHOUSE_DDL_H_
