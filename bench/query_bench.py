"""Times every `wordviews query` and `wordviews report` against DuckDB answering the
same question over the same Parquet files, in the same run (bench/query.sh).

For each query: wall time (median of WV_BENCH_REPEAT runs, default 3) and CPU time
(user + sys) of our process, and the same for DuckDB (in-process, a fresh
connection per run, default threads). CPU time is printed too because the
machine is shared: wall time under load says more about the neighbours than
about us. DuckDB computes everything in SQL except what SQL has no function
for (the chi-square p-value, the half-life MLE: noted in the table).
"""
import os
import resource
import statistics
import subprocess
import sys
import time

import duckdb

wv, star = sys.argv[1], sys.argv[2]
repeat = int(os.environ.get("WV_BENCH_REPEAT", "3"))
F = f"read_parquet('{star}/fact_wordviews/*/*.parquet', hive_partitioning = true)"
W = f"read_parquet('{star}/dim_words/*.parquet')"
L = f"read_parquet('{star}/dim_langs/*.parquet')"

RECALL = """count(*) AS views, sum(session_seen) AS exercises, sum(session_correct) AS correct,
  sum(session_correct) / sum(session_seen) AS recall_rate, avg(p_recall) AS mean_p_recall"""
WILSON = """(recall_rate + 1.959964^2 / (2 * exercises)) / (1 + 1.959964^2 / exercises)
  - 1.959964 / (1 + 1.959964^2 / exercises)
    * sqrt(recall_rate * (1 - recall_rate) / exercises + 1.959964^2 / (4 * exercises^2)) AS ci_low,
  (recall_rate + 1.959964^2 / (2 * exercises)) / (1 + 1.959964^2 / exercises)
  + 1.959964 / (1 + 1.959964^2 / exercises)
    * sqrt(recall_rate * (1 - recall_rate) / exercises + 1.959964^2 / (4 * exercises^2)) AS ci_high"""

SQL = {
    "pairs": f"""SELECT f.learning_language, f.ui_language, ll.english_name, ul.english_name, count(*)
        FROM {F} f LEFT JOIN {L} ll ON ll.alpha2_code = f.learning_language
        LEFT JOIN {L} ul ON ul.alpha2_code = f.ui_language GROUP BY ALL ORDER BY 1, 2""",
    "pair-users": f"""SELECT learning_language, ui_language, count(DISTINCT user_id) AS users,
        count(DISTINCT user_id) / (SELECT count(DISTINCT user_id) FROM {F}) FROM {F}
        GROUP BY ALL ORDER BY users DESC, 1, 2""",
    "pair-views": f"""SELECT learning_language, ui_language, count(*) AS views,
        count(DISTINCT (user_id, epoch)), sum(session_seen) FROM {F} GROUP BY ALL ORDER BY views DESC""",
    "time-of-day": f"""SELECT learning_language, ui_language, (epoch % 86400) // 3600 AS hour, count(*) AS views,
        count(*) / sum(count(*)) OVER (PARTITION BY learning_language, ui_language)
        FROM {F} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""",
    "time-of-day-test": f"""WITH c AS (SELECT learning_language || ui_language AS p, (epoch % 86400) // 3600 AS h,
          count(*) AS n FROM {F} GROUP BY ALL),
        t AS (SELECT *, sum(n) OVER (PARTITION BY p) AS rt, sum(n) OVER (PARTITION BY h) AS ct,
          sum(n) OVER () AS total FROM c)
        SELECT p, sum((n - rt * ct / total)^2 / (rt * ct / total)) AS chi2, arg_max(h, n) AS peak
        FROM t GROUP BY p ORDER BY p""",
    "retention-pairs": f"""WITH g AS (SELECT learning_language, ui_language, {RECALL},
          median(delta) / 86400 AS median_lag_days FROM {F} GROUP BY ALL)
        SELECT *, {WILSON} FROM g ORDER BY recall_rate DESC""",
    "retention-ui": f"""WITH g AS (SELECT ui_language, {RECALL}, median(delta) / 86400 AS median_lag_days
          FROM {F} GROUP BY ALL) SELECT *, {WILSON} FROM g ORDER BY recall_rate DESC""",
    "forgetting-curve": f"""WITH g AS (SELECT learning_language, ui_language,
          CASE WHEN delta < 3600 THEN 0 WHEN delta < 86400 THEN 1 WHEN delta < 604800 THEN 2
               WHEN delta < 2592000 THEN 3 ELSE 4 END AS bucket, {RECALL} FROM {F} GROUP BY ALL)
        SELECT *, {WILSON} FROM g ORDER BY 1, 2, 3""",
    "hardest-words": f"""WITH g AS (SELECT learning_language, lexeme_id, {RECALL} FROM {F} GROUP BY ALL
          HAVING count(*) >= 50),
        r AS (SELECT *, row_number() OVER (PARTITION BY learning_language
          ORDER BY recall_rate, views DESC, lexeme_id) AS rank FROM g)
        SELECT r.*, w.lexeme_string, w.part_of_speech FROM r LEFT JOIN {W} w USING (lexeme_id)
        WHERE rank <= 10 ORDER BY learning_language, rank""",
    "recall-by-pos": f"""SELECT w.part_of_speech, count(DISTINCT f.lexeme_id), {RECALL}
        FROM {F} f LEFT JOIN {W} w USING (lexeme_id) GROUP BY 1 ORDER BY views DESC""",
    "daily-trends": f"""SELECT CAST(floor(epoch / 86400) AS INTEGER) AS day, learning_language, ui_language,
          count(*) AS views, count(DISTINCT user_id) AS active_users, sum(session_seen) AS exercises,
          sum(session_correct) AS correct, sum(session_correct) / sum(session_seen) AS recall_rate
        FROM {F} GROUP BY ALL ORDER BY 1, 2, 3""",
    "daily-totals": f"""WITH f AS (SELECT CAST(floor(epoch / 86400) AS INTEGER) AS day, user_id,
          session_seen, session_correct FROM {F}),
        p AS (SELECT day, count(*) AS views, count(DISTINCT user_id) AS users,
          sum(session_seen) AS exercises, sum(session_correct) AS correct FROM f GROUP BY day),
        n AS (SELECT day, count(*) AS new_users FROM (SELECT min(day) AS day FROM f GROUP BY user_id)
          GROUP BY day),
        d AS (SELECT range AS day FROM range((SELECT min(day) FROM f), (SELECT max(day) FROM f) + 1))
        SELECT d.day, coalesce(views, 0), coalesce(users, 0), coalesce(exercises, 0),
          coalesce(correct, 0), correct / exercises, coalesce(new_users, 0)
        FROM d LEFT JOIN p USING (day) LEFT JOIN n USING (day) ORDER BY 1""",
}
NOT_IN_SQL = {"time-of-day-test": "p-values", "retention-pairs": "half-life MLE",
              "retention-ui": "half-life MLE"}


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cpu_self():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def time_ours(args):
    walls, cpus = [], []
    for _ in range(repeat):
        c0, t0 = cpu_children(), time.perf_counter()
        subprocess.run([wv, *args], check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu_children() - c0)
    return statistics.median(walls), statistics.median(cpus)


def time_duckdb(sql):
    walls, cpus = [], []
    for _ in range(repeat):
        c0, t0 = cpu_self(), time.perf_counter()
        con = duckdb.connect()
        con.execute(sql).fetchall()
        con.close()
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu_self() - c0)
    return statistics.median(walls), statistics.median(cpus)


rows = duckdb.connect().execute(f"SELECT count(*) FROM {F}").fetchone()[0]
print(f"query bench: {rows:,} fact rows in {star}; median of {repeat} runs; "
      f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
print(f"{'query':<18} {'ours wall':>10} {'ours cpu':>9} {'duckdb wall':>12} {'duckdb cpu':>11} "
      f"{'speedup':>8}  target<1s  note")
worst = 0.0
for name, sql in SQL.items():
    ow, oc = time_ours(["query", star, name, "--format", "csv"])
    dw, dc = time_duckdb(sql)
    worst = max(worst, ow)
    print(f"{name:<18} {ow:>9.2f}s {oc:>8.2f}s {dw:>11.2f}s {dc:>10.2f}s {dw / ow:>7.1f}x  "
          f"{'ok' if ow < 1 else 'MISSED':<9}  {('duckdb without ' + NOT_IN_SQL[name]) if name in NOT_IN_SQL else ''}")
out = os.path.join(os.path.dirname(star.rstrip('/')), "query-bench-report.html")
rw, rc = time_ours(["report", star, "-o", out])
print(f"{'report':<18} {rw:>9.2f}s {rc:>8.2f}s {'':>12} {'':>11} {'':>8}  "
      f"{'ok' if rw < 3 else 'MISSED':<9}  target < 3 s; {os.path.getsize(out):,} bytes")
