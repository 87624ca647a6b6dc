#include "warehouse/ddl.h"

#include <algorithm>
#include <array>

#include "fmt/core.h"

namespace wv::warehouse {
namespace {

using model::ColumnContract;
using model::TableContract;
using parquet::LogicalType;
using parquet::PhysicalType;

// Redshift's widest VARCHAR, in bytes. Every accepted text value fits: a row
// is at most 64 KiB (csv::kMaxRowBytes) and holds 12 fields, so a field is at
// most 65,525 bytes; source_file is a path (PATH_MAX); detail is a sentence.
constexpr int kRedshiftMaxVarchar = 65535;
// raw_line keeps at most the row limit's 65,536 bytes.
constexpr int kRedshiftRawLineBytes = 65536;

std::string PostgresType(const ColumnContract& c) {
  switch (c.physical) {
    case PhysicalType::kBoolean:
      return "boolean";
    case PhysicalType::kInt32:
      return c.logical == LogicalType::kDate ? "date" : "integer";
    case PhysicalType::kInt64:
      return c.logical == LogicalType::kTimestampMicrosUtc ? "timestamp with time zone" : "bigint";
    case PhysicalType::kFloat:
      return "real";
    case PhysicalType::kDouble:
      return "double precision";
    case PhysicalType::kByteArray:
      return c.logical == LogicalType::kString ? "text" : "bytea";
  }
  return "text";
}

// Redshift COPY ... FORMAT AS PARQUET maps by position and needs a column
// type it can convert the Parquet type to: TIMESTAMP for Parquet's
// TIMESTAMP(MICROS, UTC) (the values are UTC), VARBYTE for plain BYTE_ARRAY.
std::string RedshiftType(const ColumnContract& c) {
  switch (c.physical) {
    case PhysicalType::kBoolean:
      return "BOOLEAN";
    case PhysicalType::kInt32:
      return c.logical == LogicalType::kDate ? "DATE" : "INTEGER";
    case PhysicalType::kInt64:
      return c.logical == LogicalType::kTimestampMicrosUtc ? "TIMESTAMP" : "BIGINT";
    case PhysicalType::kFloat:
      return "REAL";
    case PhysicalType::kDouble:
      return "DOUBLE PRECISION";
    case PhysicalType::kByteArray:
      return c.logical == LogicalType::kString ? fmt::format("VARCHAR({})", kRedshiftMaxVarchar)
                                               : fmt::format("VARBYTE({})", kRedshiftRawLineBytes);
  }
  return "VARCHAR(65535)";
}

// Text columns that are keys or reference one: identifiers and codes,
// compared byte by byte (COLLATE "C") whatever the database's collation, so
// that their indexes sort with memcmp instead of the locale's rules (several
// times faster to build and to search) and sort as the queries sort.
bool IsKeyColumn(const TableContract& table, std::string_view column) {
  for (std::string_view k : table.primary_key) {
    if (k == column) return true;
  }
  for (const model::ForeignKey& fk : table.foreign_keys) {
    if (fk.column == column) return true;
  }
  return false;
}

std::string ColumnList(std::span<const std::string_view> names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += QuoteIdentifier(n);
  }
  return out;
}

std::string ForeignKeyName(const TableContract& table, const model::ForeignKey& fk) {
  return fmt::format("{}_{}_fkey", table.name, fk.column);
}

std::string ForeignKeyClause(const model::ForeignKey& fk, std::string_view schema) {
  return fmt::format("FOREIGN KEY ({}) REFERENCES {} ({})", QuoteIdentifier(fk.column),
                     QualifiedName(schema, fk.referenced_table),
                     QuoteIdentifier(fk.referenced_column));
}

// A secondary index of the PostgreSQL schema and the question it serves.
struct IndexSpec {
  std::string_view table;
  std::string_view suffix;  // name = <table>_<suffix>
  std::string_view method;  // btree, brin
  std::string_view column;
  std::string_view serves;
  bool optional;  // built only when asked for by column (`load --index`)
};

// The research views aggregate whole tables (sequential scans) and the
// summary tables answer a dashboard; these serve analysts' drill-downs. A
// time range (BRIN: the fact rows are stored in day order, so block ranges
// of "timestamp" hardly overlap, and the index is a few pages) costs little
// and is always built. A btree on user_id (one user's history, the question
// spaced-repetition research asks most) costs about 3.5 CPU-s per 6.4M rows,
// an eighth of a whole load's CPU (docs/BENCHMARKS.md), for lookups none of
// the research views make: it is built when asked for (`--index user_id`).
// One on lexeme_id is left to a DBA who needs it (docs/WAREHOUSE.md).
constexpr std::array<IndexSpec, 2> kIndexes = {{
    {model::kFactTable, "user_id_idx", "btree", "user_id",
     "one user's views (WHERE user_id = ...), joins to dim_users", true},
    {model::kFactTable, "timestamp_brin", "brin", "timestamp",
     "time ranges (WHERE \"timestamp\" BETWEEN ...): rows are stored in day order", false},
}};

}  // namespace

std::string SqlType(const ColumnContract& column, Dialect d) {
  return d == Dialect::kPostgres ? PostgresType(column) : RedshiftType(column);
}

std::string PrimaryKeyName(const TableContract& table) {
  return fmt::format("{}_pkey", table.name);
}

std::string CreateTableSql(const TableContract& table, std::string_view schema, Dialect d) {
  std::string out = fmt::format("CREATE TABLE {} (", QualifiedName(schema, table.name));
  for (size_t i = 0; i < table.columns.size(); ++i) {
    const ColumnContract& c = table.columns[i];
    const bool bytewise =
        d == Dialect::kPostgres && c.logical == LogicalType::kString && IsKeyColumn(table, c.name);
    out += fmt::format("{}\n  {} {}{}{}", i == 0 ? "" : ",", QuoteIdentifier(c.name), SqlType(c, d),
                       bytewise ? " COLLATE \"C\"" : "", c.nullable() ? "" : " NOT NULL");
  }
  if (d == Dialect::kRedshift) {
    out += fmt::format(",\n  PRIMARY KEY ({})", ColumnList(table.primary_key));
    for (const model::ForeignKey& fk : table.foreign_keys) {
      out += ",\n  " + ForeignKeyClause(fk, schema);
    }
    out += "\n)\n" + RedshiftLayout(table) + ";";
    return out;
  }
  out += "\n)";
  if (IsPartitioned(table, d)) {
    out += fmt::format(" PARTITION BY LIST ({})", QuoteIdentifier(ListColumn(table)));
  }
  return out + ";";
}

bool IsPartitioned(const TableContract& table, Dialect d) {
  return d == Dialect::kPostgres && table.name == model::kFactTable;
}

std::string BatchPartitionName(const TableContract& table, int batch) {
  return fmt::format("{}_b{}", table.name, batch);
}

std::string LeafName(const TableContract& table, int batch, int i) {
  return fmt::format("{}_p{}", BatchPartitionName(table, batch), i);
}

std::string_view ListColumn(const TableContract& table) { return table.primary_key.front(); }

std::string_view PartitionColumn(const TableContract& table) { return table.primary_key.back(); }

int PartitionOf(int64_t value) {
  // hashint8extended: the 64-bit value folded to 32 bits so that equal
  // int2/int4/int8 values hash alike, then hash_bytes_uint32_extended (Bob
  // Jenkins' lookup3 final mix, seeded).
  const auto u = static_cast<uint64_t>(value);
  uint32_t folded = static_cast<uint32_t>(u);
  const auto high = static_cast<uint32_t>(u >> 32);
  folded ^= value >= 0 ? high : ~high;
  const auto rot = [](uint32_t x, int k) { return (x << k) | (x >> (32 - k)); };
  constexpr uint64_t kSeed = 0x7A5B22367996DCFDull;  // HASH_PARTITION_SEED
  uint32_t a = 0x9e3779b9u + 4u + 3923095u, b = a, c = a;
  a += static_cast<uint32_t>(kSeed >> 32);
  b += static_cast<uint32_t>(kSeed);
  // mix(a, b, c)
  a -= c, a ^= rot(c, 4), c += b;
  b -= a, b ^= rot(a, 6), a += c;
  c -= b, c ^= rot(b, 8), b += a;
  a -= c, a ^= rot(c, 16), c += b;
  b -= a, b ^= rot(a, 19), a += c;
  c -= b, c ^= rot(b, 4), b += a;
  a += folded;
  // final(a, b, c)
  c ^= b, c -= rot(b, 14);
  a ^= c, a -= rot(c, 11);
  b ^= a, b -= rot(a, 25);
  c ^= b, c -= rot(b, 16);
  a ^= c, a -= rot(c, 4);
  b ^= a, b -= rot(a, 14);
  c ^= b, c -= rot(b, 24);
  const uint64_t hash = (uint64_t{b} << 32) | c;
  // hash_combine64(0, hash), the one partition key column's.
  const uint64_t row_hash = hash + 0x49a0f4dd15e5a8e3ull;
  return static_cast<int>(row_hash % static_cast<uint64_t>(kFactPartitions));
}

namespace {

std::string ValueList(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values) out += (out.empty() ? "" : ", ") + QuoteLiteral(v);
  return out;
}

}  // namespace

std::vector<std::string> CreateBatchPartitionSqls(const TableContract& table,
                                                  std::string_view schema, int batch,
                                                  const std::vector<std::string>& values,
                                                  bool attached) {
  const std::string name = QualifiedName(schema, BatchPartitionName(table, batch));
  std::vector<std::string> out;
  if (attached) {
    out.push_back(
        fmt::format("CREATE TABLE {} PARTITION OF {} FOR VALUES IN ({}) PARTITION BY "
                    "HASH ({});",
                    name, QualifiedName(schema, table.name), ValueList(values),
                    QuoteIdentifier(PartitionColumn(table))));
  } else {
    std::string create = CreateTableSql(table, schema, Dialect::kPostgres);
    create.replace(create.find(QualifiedName(schema, table.name)),
                   QualifiedName(schema, table.name).size(), name);
    create.replace(
        create.rfind(" PARTITION BY LIST"), std::string::npos,
        fmt::format(" PARTITION BY HASH ({});", QuoteIdentifier(PartitionColumn(table))));
    out.push_back(create);
  }
  out.push_back(fmt::format(
      "COMMENT ON TABLE {} IS {};", name,
      QuoteLiteral(fmt::format("Partition of {}: the rows of the input files of batches up to {} "
                               "loaded together; query {} itself",
                               table.name, batch, table.name))));
  for (int i = 0; i < kFactPartitions; ++i) {
    const std::string leaf = QualifiedName(schema, LeafName(table, batch, i));
    out.push_back(fmt::format(
        "CREATE TABLE {} PARTITION OF {} FOR VALUES WITH (MODULUS {}, REMAINDER {}); "
        "COMMENT ON TABLE {} IS {};",
        leaf, name, kFactPartitions, i, leaf,
        QuoteLiteral(fmt::format("Part {} of {} of {} (hash of {}), so that loads copy, index and "
                                 "check the parts in parallel",
                                 i + 1, kFactPartitions, BatchPartitionName(table, batch),
                                 PartitionColumn(table)))));
  }
  return out;
}

std::string AttachBatchPartitionSql(const TableContract& table, std::string_view schema, int batch,
                                    const std::vector<std::string>& values) {
  return fmt::format("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES IN ({});",
                     QualifiedName(schema, table.name),
                     QualifiedName(schema, BatchPartitionName(table, batch)), ValueList(values));
}

std::string PrimaryKeySql(const TableContract& table, std::string_view schema) {
  return fmt::format("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({});",
                     QualifiedName(schema, table.name), QuoteIdentifier(PrimaryKeyName(table)),
                     ColumnList(table.primary_key));
}

std::string PrimaryKeyIndexSql(const TableContract& table, std::string_view schema,
                               std::string_view relation) {
  const std::string_view on = relation.empty() ? std::string_view(table.name) : relation;
  const std::string name =
      relation.empty() ? PrimaryKeyName(table) : fmt::format("{}_pkey", relation);
  return fmt::format("CREATE UNIQUE INDEX {} ON {} ({});", QuoteIdentifier(name),
                     QualifiedName(schema, on), ColumnList(table.primary_key));
}

std::string AttachPrimaryKeySql(const TableContract& table, std::string_view schema,
                                std::string_view relation) {
  const std::string_view on = relation.empty() ? std::string_view(table.name) : relation;
  const std::string name =
      QuoteIdentifier(relation.empty() ? PrimaryKeyName(table) : fmt::format("{}_pkey", relation));
  return fmt::format("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY USING INDEX {};",
                     QualifiedName(schema, on), name, name);
}

// A partition's foreign keys carry the parent's names (as PostgreSQL names
// those it creates on partitions for the parent's).
std::string ForeignKeysSql(const TableContract& table, std::string_view schema,
                           std::string_view relation, bool not_valid) {
  if (table.foreign_keys.empty()) return "";
  const std::string_view on = relation.empty() ? std::string_view(table.name) : relation;
  std::string out = fmt::format("ALTER TABLE {}", QualifiedName(schema, on));
  for (size_t i = 0; i < table.foreign_keys.size(); ++i) {
    const model::ForeignKey& fk = table.foreign_keys[i];
    out += fmt::format("{}\n  ADD CONSTRAINT {} {}{}", i == 0 ? "" : ",",
                       QuoteIdentifier(ForeignKeyName(table, fk)), ForeignKeyClause(fk, schema),
                       not_valid ? " NOT VALID" : "");
  }
  return out + ";";
}

std::string ValidateForeignKeysSql(const TableContract& table, std::string_view schema,
                                   std::string_view relation) {
  std::string out;
  for (const model::ForeignKey& fk : table.foreign_keys) {
    out += fmt::format("ALTER TABLE {} VALIDATE CONSTRAINT {}; ", QualifiedName(schema, relation),
                       QuoteIdentifier(ForeignKeyName(table, fk)));
  }
  return out;
}

std::string MergeRowsSql(const TableContract& table, std::string_view from, std::string_view to) {
  std::string all, set, mine, theirs, same_key;
  for (const ColumnContract& c : table.columns) {
    const std::string name = QuoteIdentifier(c.name);
    all += (all.empty() ? "" : ", ") + name;
    bool key = false;
    for (std::string_view k : table.primary_key) key = key || k == c.name;
    if (key) {
      same_key += fmt::format("{}n.{} = d.{}", same_key.empty() ? "" : " AND ", name, name);
      continue;
    }
    set += fmt::format("{}{} = n.{}", set.empty() ? "" : ", ", name, name);
    mine += (mine.empty() ? "d." : ", d.") + name;
    theirs += (theirs.empty() ? "n." : ", n.") + name;
  }
  const std::string target = QualifiedName(to, table.name);
  const std::string source = QualifiedName(from, table.name);
  // Joins (hash joins for a large dimension), not INSERT ... ON CONFLICT,
  // which probes the key's index once per row.
  std::string out;
  if (!set.empty()) {
    out += fmt::format(
        "UPDATE {} AS d SET {} FROM {} AS n WHERE {} AND ROW({}) IS DISTINCT FROM ROW({}); ",
        target, set, source, same_key, mine, theirs);
  }
  out += fmt::format(
      "INSERT INTO {0} ({1}) SELECT {1} FROM {2} AS n WHERE NOT EXISTS (SELECT 1 FROM {0} AS d "
      "WHERE {3}); "
      "DELETE FROM {0} AS d WHERE NOT EXISTS (SELECT 1 FROM {2} AS n WHERE {3});",
      target, all, source, same_key);
  return out;
}

std::vector<std::string> OptionalIndexColumns() {
  std::vector<std::string> out;
  for (const IndexSpec& spec : kIndexes) {
    if (spec.optional) out.emplace_back(spec.column);
  }
  return out;
}

std::vector<std::string> InIndexOrder(const std::vector<std::string>& columns) {
  std::vector<std::string> out;
  for (const std::string& c : OptionalIndexColumns()) {
    if (std::find(columns.begin(), columns.end(), c) != columns.end()) out.push_back(c);
  }
  return out;
}

std::vector<std::string> OptionalIndexesAmong(const TableContract& table,
                                              const std::vector<std::string>& index_names) {
  std::vector<std::string> out;
  for (const IndexSpec& spec : kIndexes) {
    const std::string name = fmt::format("{}_{}", table.name, spec.suffix);
    if (spec.optional && spec.table == table.name &&
        std::find(index_names.begin(), index_names.end(), name) != index_names.end()) {
      out.emplace_back(spec.column);
    }
  }
  return out;
}

std::vector<IndexSql> SecondaryIndexes(const TableContract& table, std::string_view schema,
                                       const std::vector<std::string>& optional,
                                       std::string_view relation) {
  std::vector<IndexSql> out;
  for (const IndexSpec& spec : kIndexes) {
    if (spec.table != table.name) continue;
    if (spec.optional &&
        std::find(optional.begin(), optional.end(), spec.column) == optional.end()) {
      continue;
    }
    IndexSql index;
    const std::string_view on = relation.empty() ? std::string_view(table.name) : relation;
    index.name = relation.empty() ? fmt::format("{}_{}", table.name, spec.suffix)
                                  : fmt::format("{}_{}_idx", relation, spec.column);
    index.create =
        fmt::format("CREATE INDEX {} ON {} USING {} ({});", QuoteIdentifier(index.name),
                    QualifiedName(schema, on), spec.method, QuoteIdentifier(spec.column));
    if (relation.empty()) {
      index.comment = fmt::format("COMMENT ON INDEX {} IS {};", QualifiedName(schema, index.name),
                                  QuoteLiteral(spec.serves));
    }
    out.push_back(std::move(index));
  }
  return out;
}

std::vector<std::string> CommentSqls(const TableContract& table, std::string_view schema,
                                     Dialect d) {
  std::vector<std::string> out;
  const std::string qualified = QualifiedName(schema, table.name);
  out.push_back(
      fmt::format("COMMENT ON TABLE {} IS {};", qualified, QuoteLiteral(table.description, d)));
  for (const ColumnContract& c : table.columns) {
    out.push_back(fmt::format("COMMENT ON COLUMN {}.{} IS {};", qualified, QuoteIdentifier(c.name),
                              QuoteLiteral(c.description, d)));
  }
  return out;
}

std::string RedshiftLayout(const TableContract& table) {
  if (table.name == model::kFactTable) {
    return fmt::format("DISTKEY ({}) SORTKEY ({})",
                       QuoteIdentifier(model::ColumnName(model::kFactUserId)),
                       QuoteIdentifier(model::ColumnName(model::kFactTimestamp)));
  }
  if (table.name == model::kQuarantineTable) return "DISTSTYLE EVEN";
  return "DISTSTYLE ALL";
}

std::string RedshiftCopySql(const TableContract& table, std::string_view schema,
                            std::string_view prefix, std::string_view iam_role) {
  const std::string manifest = fmt::format("{}/{}.manifest", prefix, table.name);
  return fmt::format(
      "COPY {} FROM {} IAM_ROLE {} FORMAT AS PARQUET MANIFEST;", QualifiedName(schema, table.name),
      QuoteLiteral(manifest, Dialect::kRedshift),
      iam_role.empty() ? std::string("default") : QuoteLiteral(iam_role, Dialect::kRedshift));
}

std::vector<const TableContract*> TablesInCreationOrder() {
  // Referenced tables first: those without foreign keys, then the others
  // (the contract's only references are the fact table's, to dimensions).
  std::vector<const TableContract*> out;
  for (bool with_keys : {false, true}) {
    for (const TableContract& t : model::AllTableContracts()) {
      if (t.foreign_keys.empty() != with_keys) out.push_back(&t);
    }
  }
  return out;
}

}  // namespace wv::warehouse
