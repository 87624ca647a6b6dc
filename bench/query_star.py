"""Builds a star schema of N rows (default 12,854,226) with DuckDB, for bench/query.sh.

Used when `wordviews generate` + `wordviews run` are not available in the build: the
fact table follows issue 4's column contract, Hive-partitioned by UTC day, with the
real file's shape (8 pairs with its relative sizes, ~115k users, ~20k lexemes, two
weeks of 2013, sessions of several words, heavy-tailed lags, HLR-style recall).
"""
import json
import pathlib
import sys

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

out = pathlib.Path(sys.argv[1])
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 12854226
out.mkdir(parents=True, exist_ok=True)
con = duckdb.connect()
con.execute("SET preserve_insertion_order = false")
con.execute("""
CREATE TABLE pairs AS SELECT * FROM (VALUES
  (0, 'en', 'es', 0.0, 0.26, 48.0, 21), (1, 'es', 'en', 0.26, 0.56, 72.0, 18),
  (2, 'fr', 'en', 0.56, 0.68, 36.0, 19), (3, 'de', 'en', 0.68, 0.77, 30.0, 17),
  (4, 'it', 'en', 0.77, 0.82, 60.0, 20), (5, 'pt', 'en', 0.82, 0.85, 42.0, 16),
  (6, 'en', 'pt', 0.85, 0.95, 54.0, 23), (7, 'en', 'it', 0.95, 1.0, 84.0, 22))
  t(pid, learning_language, ui_language, lo, hi, h, peak)""")
con.execute(f"""
CREATE TABLE sessions AS
WITH s AS (SELECT range AS sid, hash(range) AS hs FROM range(({rows} + 6) // 7))
SELECT sid, 'u:' || (hs % 115000)::VARCHAR AS user_id,
       ((hs // 115000) % 1000) / 1000.0 AS pick,
       (hs // 115000000) % 14 AS day, (hs // 1610000000) % 3600 AS sec,
       ((hs // 5796000000000) % 1000) / 1000.0 AS hour_noise
FROM s""")
con.execute(f"""
CREATE TABLE fact AS
WITH r AS (SELECT range AS i, range // 7 AS sid, hash(range * 7919 + 13) AS hr FROM range({rows})),
j AS (
  SELECT r.i, s.user_id, p.learning_language, p.ui_language, p.h,
         (1361750400 + s.day * 86400
           + (((p.peak + ((s.hour_noise * 12)::INTEGER - 6)) % 24 + 24) % 24) * 3600 + s.sec)::BIGINT AS epoch,
         (hr % 3000)::BIGINT AS word,
         CASE WHEN hr % 100 = 0 THEN 0
              ELSE exp(ln(60) + ((hr // 3000) % 100000) / 100000.0 * (ln(4e7) - ln(60)))::BIGINT END AS delta,
         (1 + (hr // 300000000) % 3)::BIGINT AS session_seen,
         ((hr // 900000000) % 1000000) / 1000000.0 AS u1,
         ((hr // 900000000000) % 1000) / 1000.0 AS u2,
         ((hr // 900000000000000) % 1000) / 1000.0 AS u3
  FROM r JOIN sessions s USING (sid) JOIN pairs p ON s.pick >= p.lo AND s.pick < p.hi)
SELECT make_timestamptz(epoch * 1000000) AS timestamp, epoch, user_id, learning_language, ui_language,
       md5(learning_language || ':' || word::VARCHAR) AS lexeme_id, delta,
       session_seen,
       ((u1 < pow(2, -(delta / 86400.0) / h))::INTEGER
        + CASE WHEN session_seen >= 2 THEN (u2 < pow(2, -(delta / 86400.0) / h))::INTEGER ELSE 0 END
        + CASE WHEN session_seen >= 3 THEN (u3 < pow(2, -(delta / 86400.0) / h))::INTEGER ELSE 0 END)
          AS session_correct,
       word, i
FROM j""")
con.execute("""
CREATE TABLE fact2 AS SELECT timestamp, epoch, user_id, learning_language, ui_language, lexeme_id, delta,
       session_correct / session_seen AS p_recall, session_seen::BIGINT AS session_seen,
       session_correct::BIGINT AS session_correct,
       (word % 50)::BIGINT AS history_seen, (word % 50 // 2)::BIGINT AS history_correct,
       session_correct / session_seen AS session_pct,
       CASE WHEN word % 50 = 0 THEN NULL ELSE (word % 50 // 2) / (word % 50) END AS history_pct,
       'bench.csv' AS source_file, (i + 2)::BIGINT AS line_number,
       strftime(timestamp AT TIME ZONE 'UTC', '%Y-%m-%d') AS date
FROM fact ORDER BY epoch, user_id""")
# Written like `wordviews run` writes it: required (non-null) columns except
# history_pct, one folder per UTC day, ZSTD.
nullable = {"history_pct"}
dates = [r[0] for r in con.execute("SELECT DISTINCT date FROM fact2 ORDER BY 1").fetchall()]
for d in dates:
    t = con.execute("SELECT * EXCLUDE (date) FROM fact2 WHERE date = ? ORDER BY epoch, user_id",
                    [d]).to_arrow_table()
    schema = pa.schema([pa.field(f.name, f.type, nullable=f.name in nullable) for f in t.schema])
    (out / "fact_wordviews" / f"date={d}").mkdir(parents=True, exist_ok=True)
    pq.write_table(t.cast(schema), out / "fact_wordviews" / f"date={d}" / "part-0.parquet",
                   compression="zstd")
names = {"en": "English", "es": "Spanish; Castilian", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese"}
for t in ["dim_langs", "dim_words"]:
    (out / t).mkdir(exist_ok=True)
con.execute("CREATE TABLE dim_langs(alpha2_code VARCHAR, english_name VARCHAR)")
con.executemany("INSERT INTO dim_langs VALUES (?, ?)", list(names.items()))
con.execute(f"COPY dim_langs TO '{out}/dim_langs/part-0.parquet' (FORMAT PARQUET)")
con.execute(f"""COPY (SELECT DISTINCT lexeme_id, learning_language AS language,
                     'w' || word::VARCHAR || '/lemma' || word::VARCHAR || '<' ||
                       ['n','vblex','adj','adv','pr','det','prn','vbser'][word % 8 + 1] || '><sg>' AS lexeme_string,
                     ['n','vblex','adj','adv','pr','det','prn','vbser'][word % 8 + 1] AS part_of_speech
                     FROM fact) TO '{out}/dim_words/part-0.parquet' (FORMAT PARQUET)""")
n = con.execute("SELECT count(*) FROM fact2").fetchone()[0]
(out / "_manifest.json").write_text(json.dumps({"run_id": "bench", "tables": {"fact_wordviews": {"rows": n}},
                                                "quality_checks": []}))
print(f"star schema: {n} rows in {out}")
