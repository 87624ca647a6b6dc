// The SQL the warehouse generates: quoting, types and statements from the
// star schema contract, the views, the names around a target schema.
#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "analytics/queries.h"
#include "gtest/gtest.h"
#include "model/star_schema.h"
#include "warehouse/ddl.h"
#include "warehouse/schema_state.h"
#include "warehouse/sql_text.h"
#include "warehouse/summary_tables.h"
#include "warehouse/views.h"

namespace wv::warehouse {
namespace {

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The partitions PostgreSQL 15 itself assigns these line numbers to, from
// `SELECT satisfies_hash_partition('f'::regclass, 2, 1, v::bigint)` on a
// table PARTITION BY HASH (bigint) (the server is the oracle; the e2e tests
// also have it check every loaded row).
TEST(PartitionTest, RowsGoWherePostgresHashPartitioningPutsThem) {
  const std::vector<std::pair<int64_t, int>> server = {{0, 0},
                                                       {1, 0},
                                                       {2, 0},
                                                       {3, 1},
                                                       {7, 1},
                                                       {100, 1},
                                                       {12345, 0},
                                                       {int64_t{1} << 31, 0},
                                                       {(int64_t{1} << 40) + 5, 0},
                                                       {-1, 1},
                                                       {-7, 0},
                                                       {INT64_MAX, 0},
                                                       {INT64_MIN, 1}};
  ASSERT_EQ(kFactPartitions, 2);
  for (const auto& [value, partition] : server) EXPECT_EQ(PartitionOf(value), partition) << value;
}

TEST(SqlTextTest, IdentifiersAndLiteralsAreQuotedWhateverTheyHold) {
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteIdentifier("Wörd Views"), "\"Wörd Views\"");
  EXPECT_EQ(QualifiedName("s", "t"), "\"s\".\"t\"");
  EXPECT_EQ(QuoteLiteral("it's \\n"), "'it''s \\n'");
  EXPECT_EQ(QuoteLiteral("it's \\n", Dialect::kRedshift), "'it''s \\\\n'");
}

TEST(DdlTest, EveryContractColumnWithItsTypeAndNullability) {
  for (const model::TableContract& t : model::AllTableContracts()) {
    for (Dialect d : {Dialect::kPostgres, Dialect::kRedshift}) {
      const std::string create = CreateTableSql(t, "s", d);
      for (const model::ColumnContract& c : t.columns) {
        std::string column = QuoteIdentifier(c.name) + " " + SqlType(c, d);
        // Text keys compare bytewise on PostgreSQL.
        if (d == Dialect::kPostgres && Has(create, column + " COLLATE \"C\"")) {
          column += " COLLATE \"C\"";
        }
        EXPECT_TRUE(Has(create, column + (c.nullable() ? ",\n" : " NOT NULL")) ||
                    Has(create, column + (c.nullable() ? "\n" : " NOT NULL")))
            << t.name << "." << c.name << "\n"
            << create;
      }
    }
  }
}

TEST(DdlTest, TypesHoldTheParquetValues) {
  const auto& fact = model::Table(model::kFactTable);
  const auto& words = model::Table(model::kWordsTable);
  const auto& quarantine = model::Table(model::kQuarantineTable);
  const auto& times = model::Table(model::kTimesTable);
  EXPECT_EQ(SqlType(fact.columns[model::kFactTimestamp], Dialect::kPostgres),
            "timestamp with time zone");
  EXPECT_EQ(SqlType(fact.columns[model::kFactTimestamp], Dialect::kRedshift), "TIMESTAMP");
  EXPECT_EQ(SqlType(fact.columns[model::kFactEpoch], Dialect::kPostgres), "bigint");
  EXPECT_EQ(SqlType(fact.columns[model::kFactPRecall], Dialect::kRedshift), "DOUBLE PRECISION");
  EXPECT_EQ(SqlType(fact.columns[model::kFactUserId], Dialect::kRedshift), "VARCHAR(65535)");
  EXPECT_EQ(SqlType(words.columns[model::kWordSurfaceIsWildcard], Dialect::kPostgres), "boolean");
  EXPECT_EQ(SqlType(quarantine.columns[model::kQuarantineRawLine], Dialect::kPostgres), "bytea");
  EXPECT_EQ(SqlType(quarantine.columns[model::kQuarantineRawLine], Dialect::kRedshift),
            "VARBYTE(65536)");
  EXPECT_EQ(SqlType(times.columns[model::kTimeDate], Dialect::kPostgres), "date");
  EXPECT_EQ(SqlType(times.columns[model::kTimeHour], Dialect::kRedshift), "INTEGER");
}

TEST(DdlTest, ReferencedTablesAreCreatedFirst) {
  const auto order = TablesInCreationOrder();
  ASSERT_EQ(order.size(), model::kAllTables.size());
  std::set<std::string_view> created;
  for (const model::TableContract* t : order) {
    for (const model::ForeignKey& fk : t->foreign_keys) {
      EXPECT_TRUE(created.count(fk.referenced_table)) << t->name << " -> " << fk.referenced_table;
    }
    created.insert(t->name);
  }
}

TEST(DdlTest, KeysAndCommentsComeFromTheContract) {
  const auto& fact = model::Table(model::kFactTable);
  const std::string fks = ForeignKeysSql(fact, "s");
  for (const model::ForeignKey& fk : fact.foreign_keys) {
    EXPECT_TRUE(Has(fks, "FOREIGN KEY (" + QuoteIdentifier(fk.column) + ") REFERENCES " +
                             QualifiedName("s", fk.referenced_table)))
        << fk.column;
  }
  EXPECT_EQ(ForeignKeysSql(model::Table(model::kUsersTable), "s"), "");
  EXPECT_TRUE(Has(PrimaryKeyIndexSql(fact, "s"), "(\"source_file\", \"line_number\")"));
  const std::string create = CreateTableSql(fact, "s", Dialect::kPostgres);
  EXPECT_TRUE(Has(create, "\"user_id\" text COLLATE \"C\" NOT NULL"));
  EXPECT_TRUE(Has(create, "\"source_file\" text COLLATE \"C\" NOT NULL"));
  EXPECT_TRUE(Has(create, "\"delta\" bigint NOT NULL"));
  const auto comments = CommentSqls(fact, "s", Dialect::kPostgres);
  EXPECT_EQ(comments.size(), fact.columns.size() + 1);
  const std::string copy = RedshiftCopySql(fact, "s", "s3://b/p", "");
  EXPECT_TRUE(Has(copy,
                  "FROM 's3://b/p/fact_wordviews.manifest' IAM_ROLE default FORMAT AS "
                  "PARQUET MANIFEST"))
      << copy;
}

TEST(ViewsTest, OneViewPerQueryButTheChiSquareTestsAndTheDailyTrends) {
  // time-of-day-test, daily-trends and daily-totals are summary tables only.
  const auto views = ResearchViews("s", Dialect::kPostgres);
  EXPECT_EQ(views.size() + 3, analytics::AllQueries().size());
  for (const ViewSql& v : views) {
    EXPECT_NE(v.query_name, "time-of-day-test");
    EXPECT_NE(v.query_name, "daily-trends");
    EXPECT_NE(v.query_name, "daily-totals");
    EXPECT_EQ(v.name, SqlNameOf(v.query_name));
    EXPECT_TRUE(Has(v.create, "CREATE VIEW \"s\".\"" + v.name + "\" AS"));
  }
  // Redshift has no COLLATE "C": its text ordering is bytewise already.
  for (const ViewSql& v : ResearchViews("s", Dialect::kRedshift)) {
    EXPECT_FALSE(Has(v.create, "COLLATE")) << v.name;
  }
}

TEST(SummaryTablesTest, ColumnsAreTheQueryResultsColumns) {
  for (const analytics::QueryDef& q : analytics::AllQueries()) {
    const analytics::ResultTable empty = EmptyResult(q);
    ASSERT_FALSE(empty.columns().empty()) << q.name;
    const std::string create = CreateSummaryTableSql(q, empty, "s", Dialect::kPostgres);
    for (const auto& c : empty.columns()) EXPECT_TRUE(Has(create, QuoteIdentifier(c.name)));
    // No rows, no statement (time-of-day-test has its "overall" row even then).
    if (empty.num_rows() == 0) {
      EXPECT_EQ(SummaryInsertSql(q, empty, "s", Dialect::kPostgres), "");
    }
  }
}

TEST(SchemaStateTest, NamesAroundTheTargetFitPostgresNames) {
  const auto names = NamesFor("wordviews");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->staging, "wordviews_wv_staging");
  EXPECT_EQ(names->old, "wordviews_wv_old");
  EXPECT_TRUE(NamesFor(std::string(52, 'x')).ok());
  EXPECT_EQ(NamesFor(std::string(53, 'x')).status().kind(), ErrorKind::kUsage);
  EXPECT_EQ(NamesFor("").status().kind(), ErrorKind::kUsage);
  EXPECT_EQ(NamesFor("pg_x").status().kind(), ErrorKind::kUsage);
  EXPECT_EQ(NamesFor("a\xff").status().kind(), ErrorKind::kUsage);
}

TEST(SchemaStateTest, OnlyTheLoadersRelationsAreKnown) {
  SchemaInfo info;
  info.exists = true;
  info.comment = std::string(kSchemaMarker) + " x";
  info.relations = {"fact_wordviews", "pairs", "summary_time_of_day_test", "load_metadata",
                    "my_own_table"};
  EXPECT_TRUE(info.ours());
  EXPECT_EQ(info.ForeignRelations(), std::vector<std::string>{"my_own_table"});
  info.comment = "a DBA's schema";
  EXPECT_FALSE(info.ours());
  EXPECT_TRUE(IsResearchView("retention_ui"));
  EXPECT_FALSE(IsResearchView("time_of_day_test"));
  EXPECT_FALSE(IsResearchView("dim_users"));
}

}  // namespace
}  // namespace wv::warehouse
