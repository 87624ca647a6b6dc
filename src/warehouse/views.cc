#include "warehouse/views.h"

#include <algorithm>
#include <functional>

#include "analytics/queries.h"
#include "boost/math/distributions/normal.hpp"
#include "fmt/core.h"
#include "model/star_schema.h"

namespace wv::warehouse {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

// What every view's text needs: the tables' qualified names and the
// dialect's spelling of bytewise ordering.
struct Names {
  Dialect dialect;
  std::string fact, langs, words;
  std::string schema;

  // ORDER BY a text column bytewise, as the queries compare std::string.
  std::string Bytewise(std::string_view expr) const {
    return dialect == Dialect::kPostgres ? fmt::format("{} COLLATE \"C\"", expr)
                                         : std::string(expr);
  }
  std::string Summary(std::string_view query) const {
    return QualifiedName(schema, SummaryTableName(query));
  }
};

std::string Double(std::string_view expr) {
  return fmt::format("CAST({} AS DOUBLE PRECISION)", expr);
}

// A double literal that reads back as the same double.
std::string DoubleLiteral(double v) { return fmt::format("{}", v); }

// The aggregates every recall measure is computed from, over the rows of a
// group: views, exercises, correct, sum_p_recall (sums of integers cast
// back to BIGINT: PostgreSQL sums BIGINT as NUMERIC).
std::string RecallSums(std::string_view rows = "") {
  const std::string p = rows.empty() ? "" : std::string(rows) + ".";
  return fmt::format(
      "count(*) AS views, CAST(sum({0}session_seen) AS BIGINT) AS exercises, "
      "CAST(sum({0}session_correct) AS BIGINT) AS correct, sum({0}p_recall) AS sum_p_recall",
      p);
}

// The recall measures from the sums of alias `g` (recall columns of the
// queries: views, exercises, correct, recall_rate, ci_low, ci_high,
// mean_p_recall), NULL where the query's are null or NaN (no rows).
// The Wilson bounds repeat analytics::WilsonInterval's expression in its
// order of operations, with its z, so that the doubles agree.
std::string RecallMeasures(std::string_view g) {
  const double z =
      boost::math::quantile(boost::math::normal_distribution<double>(), 0.5 + 0.95 / 2);
  const std::string zs = DoubleLiteral(z), z2 = DoubleLiteral(z * z);
  const std::string n = Double(fmt::format("{}.exercises", g));
  const std::string p = fmt::format("({} / {})", Double(fmt::format("{}.correct", g)), n);
  const std::string denom = fmt::format("(1 + {} / {})", z2, n);
  const std::string centre = fmt::format("(({} + {} / (2 * {})) / {})", p, z2, n, denom);
  const std::string half = fmt::format("({} / {} * sqrt({} * (1 - {}) / {} + {} / (4 * {} * {})))",
                                       zs, denom, p, p, n, z2, n, n);
  return fmt::format(
      "{0}.views, {0}.exercises, {0}.correct,\n"
      "  CASE WHEN {0}.exercises > 0 THEN {1} END AS recall_rate,\n"
      "  CASE WHEN {0}.exercises > 0 THEN GREATEST(0, {2} - {3}) END AS ci_low,\n"
      "  CASE WHEN {0}.exercises > 0 THEN LEAST(1, {2} + {3}) END AS ci_high,\n"
      "  CASE WHEN {0}.views > 0 THEN {0}.sum_p_recall / {0}.views END AS mean_p_recall",
      g, p, centre, half);
}

// The exercise-weighted recall rate of alias `g`, for ordering.
std::string RecallRate(std::string_view g) {
  return fmt::format("{} / NULLIF({}, 0)", Double(fmt::format("{}.correct", g)),
                     Double(fmt::format("{}.exercises", g)));
}

// UTC hour of epoch, as analytics' HourOf (non-negative modulo).
std::string HourOfEpoch() {
  return fmt::format("((epoch % {0} + {0}) % {0}) / 3600", kSecondsPerDay);
}

// A derived table of constant rows: SELECT ... UNION ALL SELECT ... (both
// dialects; Redshift has no VALUES lists in FROM).
std::string ConstantRows(const std::vector<std::string>& rows) {
  std::string out;
  for (const std::string& r : rows) {
    if (!out.empty()) out += " UNION ALL ";
    out += "SELECT " + r;
  }
  return out;
}

std::string PairsView(const Names& t) {
  return fmt::format(
      "WITH p AS (SELECT learning_language, ui_language, count(*) AS views FROM {0}\n"
      "  GROUP BY learning_language, ui_language)\n"
      "SELECT p.learning_language, p.ui_language, ll.english_name AS learning_name,\n"
      "  ul.english_name AS ui_name, p.views\n"
      "FROM p LEFT JOIN {1} ll ON ll.alpha2_code = p.learning_language\n"
      "  LEFT JOIN {1} ul ON ul.alpha2_code = p.ui_language\n"
      "ORDER BY {2}, {3}",
      t.fact, t.langs, t.Bytewise("p.learning_language"), t.Bytewise("p.ui_language"));
}

std::string PairUsersView(const Names& t) {
  return fmt::format(
      "WITH p AS (SELECT learning_language, ui_language, count(*) AS users\n"
      "  FROM (SELECT DISTINCT learning_language, ui_language, user_id FROM {0}) d\n"
      "  GROUP BY learning_language, ui_language),\n"
      "a AS (SELECT count(*) AS users FROM (SELECT DISTINCT user_id FROM {0}) d)\n"
      "SELECT p.learning_language, p.ui_language, p.users,\n"
      "  {1} / NULLIF({2}, 0) AS share\n"
      "FROM p CROSS JOIN a\n"
      "ORDER BY p.users DESC, {3}, {4}",
      t.fact, Double("p.users"), Double("a.users"), t.Bytewise("p.learning_language"),
      t.Bytewise("p.ui_language"));
}

std::string PairViewsView(const Names& t) {
  return fmt::format(
      "WITH p AS (SELECT learning_language, ui_language, count(*) AS views,\n"
      "    CAST(sum(session_seen) AS BIGINT) AS exercises\n"
      "  FROM {0} GROUP BY learning_language, ui_language),\n"
      "s AS (SELECT learning_language, ui_language, count(*) AS sessions\n"
      "  FROM (SELECT DISTINCT learning_language, ui_language, user_id, epoch FROM {0}) d\n"
      "  GROUP BY learning_language, ui_language),\n"
      "a AS (SELECT CAST(sum(views) AS BIGINT) AS views FROM p)\n"
      "SELECT p.learning_language, p.ui_language, p.views, s.sessions, p.exercises,\n"
      "  {1} / NULLIF({2}, 0) AS share_of_views\n"
      "FROM p JOIN s ON s.learning_language = p.learning_language AND s.ui_language = "
      "p.ui_language\n"
      "  CROSS JOIN a\n"
      "ORDER BY p.views DESC, {3}, {4}",
      t.fact, Double("p.views"), Double("a.views"), t.Bytewise("p.learning_language"),
      t.Bytewise("p.ui_language"));
}

std::string TimeOfDayView(const Names& t) {
  std::vector<std::string> hours;
  for (int h = 0; h < 24; ++h) hours.push_back(fmt::format("CAST({} AS BIGINT) AS hour", h));
  return fmt::format(
      "WITH h AS ({0}),\n"
      "c AS (SELECT learning_language, ui_language, {1} AS hour, count(*) AS views\n"
      "  FROM {2} GROUP BY learning_language, ui_language, {1}),\n"
      "p AS (SELECT learning_language, ui_language, CAST(sum(views) AS BIGINT) AS views\n"
      "  FROM c GROUP BY learning_language, ui_language)\n"
      "SELECT p.learning_language, p.ui_language, h.hour, COALESCE(c.views, 0) AS views,\n"
      "  {3} / NULLIF({4}, 0) AS share_of_pair\n"
      "FROM p CROSS JOIN h\n"
      "  LEFT JOIN c ON c.learning_language = p.learning_language\n"
      "    AND c.ui_language = p.ui_language AND c.hour = h.hour\n"
      "ORDER BY {5}, {6}, h.hour",
      ConstantRows(hours), HourOfEpoch(), t.fact, Double("COALESCE(c.views, 0)"), Double("p.views"),
      t.Bytewise("p.learning_language"), t.Bytewise("p.ui_language"));
}

// The retention measures of groups `keys` of the fact table (a pair, or an
// interface language), the columns of analytics' retention queries.
struct RetentionShape {
  std::string keys;        // "learning_language, ui_language"
  std::string key_select;  // the key columns shown first
  std::string joins;       // extra joins after FROM g
  std::string half_life;   // the summary table holding half_life_days
  std::string half_life_on;
  std::string tie_order;  // ORDER BY after the recall rate
};

std::string RetentionView(const Names& t, const RetentionShape& s) {
  return fmt::format(
      "WITH g AS (SELECT {0}, {1},\n"
      "    percentile_cont(0.5) WITHIN GROUP (ORDER BY delta) AS median_lag\n"
      "  FROM {2} GROUP BY {0})\n"
      "SELECT {3},\n"
      "  {4},\n"
      "  g.median_lag / {5} AS median_lag_days, h.half_life_days,\n"
      "  row_number() OVER (ORDER BY {6} DESC, {7}) AS \"rank\"\n"
      "FROM g{8}\n"
      "  LEFT JOIN {9} h ON {10}\n"
      "ORDER BY \"rank\"",
      s.keys, RecallSums(), t.fact, s.key_select, RecallMeasures("g"), kSecondsPerDay,
      RecallRate("g"), s.tie_order, s.joins, s.half_life, s.half_life_on);
}

std::string RetentionPairsView(const Names& t) {
  RetentionShape s;
  s.keys = "learning_language, ui_language";
  s.key_select = "g.learning_language, g.ui_language";
  s.half_life = t.Summary("retention-pairs");
  s.half_life_on = "h.learning_language = g.learning_language AND h.ui_language = g.ui_language";
  s.tie_order = t.Bytewise("g.learning_language") + ", " + t.Bytewise("g.ui_language");
  return RetentionView(t, s);
}

std::string RetentionUiView(const Names& t) {
  RetentionShape s;
  s.keys = "ui_language";
  s.key_select = "g.ui_language, l.english_name AS ui_name, n.learning_languages";
  s.joins = fmt::format(
      "\n  JOIN (SELECT ui_language, count(*) AS learning_languages\n"
      "    FROM (SELECT DISTINCT ui_language, learning_language FROM {}) d GROUP BY ui_language) "
      "n\n"
      "    ON n.ui_language = g.ui_language\n"
      "  LEFT JOIN {} l ON l.alpha2_code = g.ui_language",
      t.fact, t.langs);
  s.half_life = t.Summary("retention-ui");
  s.half_life_on = "h.ui_language = g.ui_language";
  s.tie_order = t.Bytewise("g.ui_language");
  return RetentionView(t, s);
}

std::string ForgettingCurveView(const Names& t) {
  const auto& buckets = analytics::LagBuckets();
  std::vector<std::string> rows;
  std::string bucket_of = "CASE";
  for (size_t b = 0; b < buckets.size(); ++b) {
    rows.push_back(fmt::format("CAST({} AS BIGINT) AS bucket_index, {} AS lag_bucket", b,
                               QuoteLiteral(buckets[b].label, t.dialect)));
    if (b + 1 < buckets.size()) {
      bucket_of += fmt::format(" WHEN delta < {} THEN {}", buckets[b].upper_seconds, b);
    } else {
      bucket_of += fmt::format(" ELSE {} END", b);
    }
  }
  return fmt::format(
      "WITH b AS ({0}),\n"
      "p AS (SELECT DISTINCT learning_language, ui_language FROM {1}),\n"
      "c AS (SELECT learning_language, ui_language, {2} AS bucket_index, {3}\n"
      "  FROM {1} GROUP BY learning_language, ui_language, {2}),\n"
      "g AS (SELECT p.learning_language, p.ui_language, b.lag_bucket, b.bucket_index,\n"
      "    COALESCE(c.views, 0) AS views, COALESCE(c.exercises, 0) AS exercises,\n"
      "    COALESCE(c.correct, 0) AS correct, c.sum_p_recall\n"
      "  FROM p CROSS JOIN b\n"
      "    LEFT JOIN c ON c.learning_language = p.learning_language\n"
      "      AND c.ui_language = p.ui_language AND c.bucket_index = b.bucket_index)\n"
      "SELECT g.learning_language, g.ui_language, g.lag_bucket, g.bucket_index,\n"
      "  {4}\n"
      "FROM g\n"
      "ORDER BY {5}, {6}, g.bucket_index",
      ConstantRows(rows), t.fact, bucket_of, RecallSums(), RecallMeasures("g"),
      t.Bytewise("g.learning_language"), t.Bytewise("g.ui_language"));
}

std::string HardestWordsView(const Names& t) {
  const analytics::QueryOptions defaults;
  return fmt::format(
      "WITH w AS (SELECT learning_language, lexeme_id, {0}\n"
      "  FROM {1} GROUP BY learning_language, lexeme_id HAVING count(*) >= {2}),\n"
      "r AS (SELECT w.*, row_number() OVER (PARTITION BY w.learning_language\n"
      "    ORDER BY {3} ASC, w.views DESC, {4}) AS \"rank\" FROM w)\n"
      "SELECT g.learning_language, g.\"rank\", g.lexeme_id, d.lexeme_string, d.part_of_speech,\n"
      "  {5}\n"
      "FROM r g LEFT JOIN {6} d ON d.lexeme_id = g.lexeme_id\n"
      "WHERE g.\"rank\" <= {7}\n"
      "ORDER BY {8}, g.\"rank\"",
      RecallSums(), t.fact, std::max<int64_t>(1, defaults.min_views), RecallRate("w"),
      t.Bytewise("w.lexeme_id"), RecallMeasures("g"), t.words, defaults.top,
      t.Bytewise("g.learning_language"));
}

std::string RecallByPosView(const Names& t) {
  return fmt::format(
      "WITH s AS (SELECT lexeme_id, {0} FROM {1} GROUP BY lexeme_id),\n"
      "g AS (SELECT d.part_of_speech, count(*) AS words, CAST(sum(s.views) AS BIGINT) AS views,\n"
      "    CAST(sum(s.exercises) AS BIGINT) AS exercises, CAST(sum(s.correct) AS BIGINT) AS "
      "correct,\n"
      "    sum(s.sum_p_recall) AS sum_p_recall\n"
      "  FROM s LEFT JOIN {2} d ON d.lexeme_id = s.lexeme_id GROUP BY d.part_of_speech)\n"
      "SELECT g.part_of_speech, g.words,\n"
      "  {3}\n"
      "FROM g\n"
      "ORDER BY CASE WHEN g.part_of_speech IS NULL THEN 1 ELSE 0 END, g.views DESC, {4}",
      RecallSums(), t.fact, t.words, RecallMeasures("g"), t.Bytewise("g.part_of_speech"));
}

struct ViewBuilder {
  std::string_view query;
  std::function<std::string(const Names&)> body;
};

}  // namespace

std::string SqlNameOf(std::string_view query_name) {
  std::string out(query_name);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

std::string SummaryTableName(std::string_view query_name) {
  return "summary_" + SqlNameOf(query_name);
}

std::vector<ViewSql> ResearchViews(std::string_view schema, Dialect d) {
  Names t{d, QualifiedName(schema, model::kFactTable), QualifiedName(schema, model::kLangsTable),
          QualifiedName(schema, model::kWordsTable), std::string(schema)};
  const std::vector<ViewBuilder> builders = {
      {"pairs", PairsView},
      {"pair-users", PairUsersView},
      {"pair-views", PairViewsView},
      {"time-of-day", TimeOfDayView},
      {"retention-pairs", RetentionPairsView},
      {"retention-ui", RetentionUiView},
      {"forgetting-curve", ForgettingCurveView},
      {"hardest-words", HardestWordsView},
      {"recall-by-pos", RecallByPosView},
  };
  std::vector<ViewSql> out;
  for (const analytics::QueryDef& q : analytics::AllQueries()) {
    auto it = std::find_if(builders.begin(), builders.end(),
                           [&](const ViewBuilder& b) { return b.query == q.name; });
    // time-of-day-test, daily-trends and daily-totals: their summary tables only (the
    // dashboard's trends would need generate_series for the empty days, which Redshift
    // lacks over tables; the summary tables are the queries' own answers).
    if (it == builders.end()) continue;
    ViewSql v;
    v.name = SqlNameOf(q.name);
    v.query_name = q.name;
    const std::string qualified = QualifiedName(schema, v.name);
    v.create = fmt::format("CREATE VIEW {} AS\n{};", qualified, it->body(t));
    v.comment = fmt::format(
        "COMMENT ON VIEW {} IS {};", qualified,
        QuoteLiteral(fmt::format("{} (as `wordviews query {}`)", q.description, q.name), d));
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace wv::warehouse
