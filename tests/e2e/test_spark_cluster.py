"""Spark, on a real multi-process cluster (spark_cluster.py), as an independent oracle of `wordviews run`.

Dirty generated traces go through `wordviews run`; Spark reads the output Parquet (the fact table's Hive
`date` partitions included) with its own reader and recomputes every research query with Spark SQL,
scipy deriving the statistics (Wilson intervals, chi-square tests, half-life fits) from Spark's
aggregates. Each query's every value must equal `wordviews query --format csv` (checked against its
JSON too). The fact rows and the rows of each day counted by Spark must equal the manifest's.
"""
import math
from collections import defaultdict

import numpy as np
import pytest
from scipy import stats
from scipy.stats import contingency

from conftest import manifest
from test_query import QUERIES, mle_half_life, query_rows, wilson

pytestmark = pytest.mark.xdist_group("spark")

ROWS = 60000
TOP, MIN_VIEWS = 10, 50

# Exact for counts and texts; floating values to within what two engines' summation orders allow.
REL = {"chi2": 1e-10, "cramers_v": 1e-10, "p_value": 1e-8, "half_life_days": 1e-8,
       "ci_low": 1e-10, "ci_high": 1e-10, "mean_p_recall": 1e-10}


@pytest.fixture(scope="module")
def output(tmp_path_factory, run_wv):
    root = tmp_path_factory.mktemp("spark-e2e")
    traces, out = root / "traces.csv", root / "out"
    run_wv("generate", "--rows", ROWS, "--dirty-rate", 0.03, "--seed", 11, "--out", traces, "--quiet")
    run_wv("run", "--traces", traces, "--out", out, "--quiet")
    return out


@pytest.fixture(scope="module")
def sql(spark, output):
    """sql(text) -> list of dicts, over views f (facts), w (dim_words), l (dim_langs) read by Spark."""
    spark.read.parquet(str(output / "fact_wordviews")).createOrReplaceTempView("f")
    spark.read.parquet(str(output / "dim_words")).createOrReplaceTempView("w")
    spark.read.parquet(str(output / "dim_langs")).createOrReplaceTempView("l")
    return lambda text: [r.asDict() for r in spark.sql(text).collect()]


def same(query, column, ours, theirs):
    if ours is None or theirs is None:
        return ours is None and theirs is None
    if isinstance(ours, float) or isinstance(theirs, float):
        rel = REL.get(column, 1e-12)
        return math.isclose(ours, theirs, rel_tol=rel, abs_tol=1e-300 if column == "p_value" else 0.0)
    return ours == theirs


def assert_equal(query, ours, theirs):
    """Row by row, every column wordviews prints (the oracle must have them all)."""
    assert len(ours) == len(theirs), (query, len(ours), len(theirs))
    for i, (a, b) in enumerate(zip(ours, theirs)):
        missing = set(a) - set(b)
        assert not missing, (query, "oracle lacks", missing)
        for column in a:
            assert same(query, column, a[column], b[column]), (query, i, column, a[column], b[column], a, b)


def with_ci(row, correct="correct", exercises="exercises"):
    if row[exercises]:
        row["ci_low"], row["ci_high"] = wilson(row[correct], row[exercises])
    else:
        row["ci_low"] = row["ci_high"] = None
    return row


# ---- the queries in Spark SQL ----

def pairs(sql):
    return sql("""
        SELECT f.learning_language, f.ui_language, ll.english_name AS learning_name,
               ul.english_name AS ui_name, count(*) AS views
        FROM f LEFT JOIN l ll ON ll.alpha2_code = f.learning_language
               LEFT JOIN l ul ON ul.alpha2_code = f.ui_language
        GROUP BY ALL ORDER BY 1, 2""")


def pair_users(sql):
    return sql("""
        SELECT learning_language, ui_language, count(DISTINCT user_id) AS users,
               count(DISTINCT user_id) / (SELECT count(DISTINCT user_id) FROM f) AS share
        FROM f GROUP BY ALL ORDER BY users DESC, 1, 2""")


def pair_views(sql):
    return sql("""
        SELECT learning_language, ui_language, count(*) AS views,
               count(DISTINCT user_id, epoch) AS sessions, sum(session_seen) AS exercises,
               count(*) / (SELECT count(*) FROM f) AS share_of_views
        FROM f GROUP BY ALL ORDER BY views DESC, 1, 2""")


def time_of_day(sql):
    return sql("""
        WITH p AS (SELECT DISTINCT learning_language, ui_language FROM f),
             h AS (SELECT CAST(id AS INT) AS hour FROM range(24)),
             c AS (SELECT learning_language, ui_language, hour(timestamp) AS hour, count(*) AS views
                   FROM f GROUP BY ALL)
        SELECT p.learning_language, p.ui_language, h.hour, coalesce(c.views, 0) AS views,
               coalesce(c.views, 0) / sum(coalesce(c.views, 0))
                 OVER (PARTITION BY p.learning_language, p.ui_language) AS share_of_pair
        FROM p CROSS JOIN h LEFT JOIN c
          ON c.learning_language = p.learning_language AND c.ui_language = p.ui_language
             AND c.hour = h.hour
        ORDER BY 1, 2, 3""")


def time_of_day_test(sql):
    counts = time_of_day(sql)
    pairs_ = sorted({(r["learning_language"], r["ui_language"]) for r in counts})
    table = np.array([[r["views"] for r in counts if (r["learning_language"], r["ui_language"]) == p]
                      for p in pairs_], dtype=float)
    col = table.sum(axis=0)
    used = col > 0
    k = int(used.sum())
    rows = []
    for i, (learning, ui) in enumerate(pairs_):
        obs = table[i][used]
        chi2, pval = stats.chisquare(obs, obs.sum() * col[used] / col.sum())
        rows.append({"scope": "pair", "learning_language": learning, "ui_language": ui,
                     "views": int(obs.sum()), "chi2": chi2, "dof": k - 1, "p_value": pval,
                     "cramers_v": math.sqrt(chi2 / (obs.sum() * (k - 1))),
                     "peak_hour": int(np.argmax(table[i])),
                     "peak_hour_share": table[i].max() / table[i].sum()})
    t = table[:, used]
    chi2, pval, dof, _ = stats.chi2_contingency(t, correction=False)
    rows.append({"scope": "overall", "learning_language": "", "ui_language": "", "views": int(t.sum()),
                 "chi2": chi2, "dof": int(dof), "p_value": pval,
                 "cramers_v": contingency.association(t.astype(int), method="cramer"),
                 "peak_hour": int(np.argmax(col)), "peak_hour_share": col.max() / col.sum()})
    return rows


def retention(sql, group_cols, extra=""):
    g = ", ".join(group_cols)
    rows = sql(f"""
        SELECT {g}{extra}, count(*) AS views, sum(session_seen) AS exercises,
               sum(session_correct) AS correct, sum(session_correct) / sum(session_seen) AS recall_rate,
               avg(p_recall) AS mean_p_recall, median(delta) / 86400 AS median_lag_days
        FROM f {"LEFT JOIN l ON l.alpha2_code = f.ui_language" if extra else ""}
        GROUP BY {g}{", l.english_name" if extra else ""} ORDER BY recall_rate DESC, {g}""")
    raw = defaultdict(list)
    for r in sql(f"SELECT {g}, delta, session_seen, session_correct FROM f"):
        raw[tuple(r[c] for c in group_cols)].append((r["delta"], r["session_seen"], r["session_correct"]))
    for rank, row in enumerate(rows, 1):
        d, n, c = np.array(raw[tuple(row[c] for c in group_cols)], dtype=float).T
        row["half_life_days"] = mle_half_life(d / 86400.0, n, c)
        row["rank"] = rank
        with_ci(row)
    return rows


def retention_pairs(sql):
    return retention(sql, ["learning_language", "ui_language"])


def retention_ui(sql):
    return retention(sql, ["ui_language"],
                     ", l.english_name AS ui_name, count(DISTINCT learning_language) AS learning_languages")


def forgetting_curve(sql):
    rows = sql("""
        WITH b AS (SELECT * FROM VALUES (0, '<1h'), (1, '1h-1d'), (2, '1d-7d'), (3, '7d-30d'), (4, '>30d')
                   AS t(bucket_index, lag_bucket)),
             p AS (SELECT DISTINCT learning_language, ui_language FROM f),
             c AS (SELECT learning_language, ui_language,
                          CASE WHEN delta < 3600 THEN 0 WHEN delta < 86400 THEN 1
                               WHEN delta < 7 * 86400 THEN 2 WHEN delta < 30 * 86400 THEN 3 ELSE 4 END
                            AS bucket_index,
                          count(*) AS views, sum(session_seen) AS exercises,
                          sum(session_correct) AS correct, avg(p_recall) AS mean_p_recall
                   FROM f GROUP BY ALL)
        SELECT p.learning_language, p.ui_language, b.lag_bucket, b.bucket_index,
               coalesce(c.views, 0) AS views, coalesce(c.exercises, 0) AS exercises,
               coalesce(c.correct, 0) AS correct, c.correct / c.exercises AS recall_rate, c.mean_p_recall
        FROM p CROSS JOIN b LEFT JOIN c
          ON c.learning_language = p.learning_language AND c.ui_language = p.ui_language
             AND c.bucket_index = b.bucket_index
        ORDER BY 1, 2, b.bucket_index""")
    return [with_ci(r) for r in rows]


def hardest_words(sql):
    rows = sql(f"""
        WITH g AS (SELECT learning_language, lexeme_id, count(*) AS views, sum(session_seen) AS exercises,
                          sum(session_correct) AS correct,
                          sum(session_correct) / sum(session_seen) AS recall_rate,
                          avg(p_recall) AS mean_p_recall
                   FROM f GROUP BY ALL HAVING count(*) >= {MIN_VIEWS}),
             r AS (SELECT *, row_number() OVER (PARTITION BY learning_language
                                                ORDER BY recall_rate, views DESC, lexeme_id) AS rank FROM g)
        SELECT r.*, w.lexeme_string, w.part_of_speech FROM r LEFT JOIN w USING (lexeme_id)
        WHERE rank <= {TOP} ORDER BY learning_language, rank""")
    return [with_ci(r) for r in rows]


def recall_by_pos(sql):
    rows = sql("""
        SELECT w.part_of_speech, count(DISTINCT f.lexeme_id) AS words, count(*) AS views,
               sum(session_seen) AS exercises, sum(session_correct) AS correct,
               sum(session_correct) / sum(session_seen) AS recall_rate, avg(p_recall) AS mean_p_recall
        FROM f LEFT JOIN w USING (lexeme_id)
        GROUP BY w.part_of_speech ORDER BY w.part_of_speech IS NULL, views DESC, w.part_of_speech""")
    return [with_ci(r) for r in rows]


DAY = "CAST(date_add(DATE'1970-01-01', CAST(floor(epoch / 86400) AS INT)) AS STRING)"


def daily_trends(sql):
    return sql(f"""
        SELECT {DAY} AS date, learning_language, ui_language, count(*) AS views,
               count(DISTINCT user_id) AS active_users, sum(session_seen) AS exercises,
               sum(session_correct) AS correct,
               try_divide(CAST(sum(session_correct) AS DOUBLE), sum(session_seen)) AS recall_rate
        FROM f GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""")


def daily_totals(sql):
    """Every day from the first to the last, an empty one with zeros (and no recall rate)."""
    return sql(f"""
        WITH d AS (SELECT {DAY} AS date, user_id, session_seen, session_correct FROM f),
             span AS (SELECT explode(sequence(CAST(min(date) AS DATE), CAST(max(date) AS DATE))) AS day
                      FROM d),
             days AS (SELECT CAST(day AS STRING) AS date FROM span),
             per AS (SELECT date, count(*) AS views, count(DISTINCT user_id) AS active_users,
                            sum(session_seen) AS exercises, sum(session_correct) AS correct
                     FROM d GROUP BY date),
             fresh AS (SELECT date, count(*) AS new_users
                       FROM (SELECT user_id, min(date) AS date FROM d GROUP BY user_id) GROUP BY date)
        SELECT days.date, coalesce(views, 0) AS views, coalesce(active_users, 0) AS active_users,
               coalesce(exercises, 0) AS exercises, coalesce(correct, 0) AS correct,
               try_divide(CAST(correct AS DOUBLE), exercises) AS recall_rate,
               coalesce(new_users, 0) AS new_users
        FROM days LEFT JOIN per USING (date) LEFT JOIN fresh USING (date) ORDER BY 1""")


ORACLES = {"pairs": pairs, "pair-users": pair_users, "pair-views": pair_views, "time-of-day": time_of_day,
           "time-of-day-test": time_of_day_test, "retention-pairs": retention_pairs,
           "retention-ui": retention_ui, "forgetting-curve": forgetting_curve,
           "hardest-words": hardest_words, "recall-by-pos": recall_by_pos,
           "daily-trends": daily_trends, "daily-totals": daily_totals}


def test_the_cluster_has_two_executor_processes(spark, spark_cluster):
    assert spark_cluster.executor_count() == 2
    import os
    pids = spark.sparkContext.parallelize(range(8), 8).map(lambda _: os.getpid()).distinct().collect()
    assert len(pids) == 2 and os.getpid() not in pids


def test_spark_recomputes_every_query(wv_bin, output, sql):
    assert set(ORACLES) == set(QUERIES)
    for name in QUERIES:
        extra = ["--top", str(TOP), "--min-views", str(MIN_VIEWS)] if name == "hardest-words" else []
        ours = query_rows(wv_bin, output, name, *extra)
        assert ours, name
        assert_equal(name, ours, ORACLES[name](sql))


def test_spark_counts_the_manifests_rows(output, sql):
    m = manifest(output)
    per_day = defaultdict(int)
    for f in m["tables"]["fact_wordviews"]["files"]:
        day = f["path"].split("/")[1]
        assert day.startswith("date=")
        per_day[day[len("date="):]] += f["rows"]
    spark_days = {str(r["date"]): r["n"] for r in sql("SELECT date, count(*) AS n FROM f GROUP BY date")}
    assert spark_days == dict(per_day)
    assert len(spark_days) >= 14
    total = sql("SELECT count(*) AS n FROM f")[0]["n"]
    assert total == m["tables"]["fact_wordviews"]["rows"] == m["rows"]["accepted"]
    assert m["rows"]["rejected"] > 0 and total + m["rows"]["rejected"] == m["rows"]["input"] == ROWS
    for table in ["dim_users", "dim_times", "dim_words", "dim_langs"]:
        assert sql(f"SELECT count(*) AS n FROM parquet.`{output / table}`")[0]["n"] == \
            m["tables"][table]["rows"], table
