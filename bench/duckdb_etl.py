#!/usr/bin/env python3
"""The `wordviews run` ETL done by DuckDB alone, for the side-by-side benchmark.

Reads the traces with DuckDB's CSV reader, applies bench/duckdb_etl.sql
(validation rules, duplicates, star schema) and writes every table as ZSTD
Parquet, the fact table Hive-partitioned by UTC day. Two readers:
  --reader lines (default): any input. Rows DuckDB cannot parse -- wrong field
    count, bad quoting, invalid UTF-8 -- are its rejects, i.e. `malformed`;
    fields are split with regular expressions (see below), which is slow.
  --reader plain: DuckDB's own `read_csv` of the twelve columns, the fair peer
    on clean input. It fails on the first malformed row, and a quarantined
    row's raw_line is its fields joined again with commas (without quotes).

usage: duckdb_etl.py --traces PATH... --out DIR [--reader lines|plain] [--lexemes P]
                     [--languages P] [--threads N]
"""
import argparse
import os
import pathlib
import shutil
import time

import duckdb

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent

COLUMNS = ["p_recall", "timestamp", "delta", "user_id", "learning_language", "ui_language",
           "lexeme_id", "lexeme_string", "history_seen", "history_correct", "session_seen",
           "session_correct"]
QUOTED = ", ".join(f'"{c}"' for c in COLUMNS)


def load_references(con, lexemes, languages):
    con.execute(f"""
        CREATE OR REPLACE TABLE lang_ref AS
        SELECT alpha2, English AS english, French AS french, "alpha3-b" AS alpha3_b,
               "alpha3-t" AS alpha3_t
        FROM read_json('{languages}', format='array',
             columns={{'alpha3-b': 'VARCHAR', 'alpha3-t': 'VARCHAR', 'alpha2': 'VARCHAR',
                       'English': 'VARCHAR', 'French': 'VARCHAR'}})
        WHERE alpha2 IS NOT NULL""")
    con.execute(f"""
        CREATE OR REPLACE TABLE tag_ref AS
        SELECT regexp_extract(line, '^(\\S+)', 1) AS tag,
               regexp_extract(line, '^\\S+\\s+(\\S+)', 1) AS category,
               regexp_extract(line, '^\\S+\\s+\\S+\\s+(.*\\S)', 1) AS description
        FROM read_csv('{lexemes}', columns={{'line': 'VARCHAR'}}, header=false, delim='\\x01',
                      quote='', escape='')
        WHERE trim(line) <> ''""")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--traces", nargs="+", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--lexemes", default=str(REPO / "data" / "lexeme_reference.txt"))
    ap.add_argument("--languages", default=str(REPO / "data" / "language-codes-full_json.json"))
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--reader", choices=["lines", "plain"], default="lines")
    args = ap.parse_args()

    out = pathlib.Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    con.execute("SET TimeZone = 'UTC'")
    load_references(con, args.lexemes, args.languages)

    t0 = time.time()
    if args.reader == "plain":
        plain_rows_in(con, args.traces)
    else:
        lines_rows_in(con, args.traces)
    con.execute((HERE / "duckdb_etl.sql").read_text())
    if args.reader == "plain":
        # Only a quarantined row needs its raw line: join its fields again here
        # rather than carry a joined copy of every row through the ETL.
        con.execute(f"""
            CREATE OR REPLACE TABLE quarantine AS
            SELECT source_file, line_number, reason, concat_ws(',', {QUOTED}) AS raw_line
            FROM classified WHERE reason IS NOT NULL""")
    write_tables(con, out)
    n_in, n_fact, n_q = con.execute(
        "SELECT (SELECT count(*) FROM rows_in), (SELECT count(*) FROM fact_wordviews), "
        "(SELECT count(*) FROM quarantine)").fetchone()
    print(f"duckdb etl ({args.reader}): {n_in} rows in, {n_fact} accepted, {n_q} rejected, "
          f"{time.time() - t0:.2f} s")


def plain_rows_in(con, traces):
    """rows_in from read_csv: every field VARCHAR, line number = row number + 1 (header)."""
    types = ", ".join(f"'{c}': 'VARCHAR'" for c in COLUMNS)
    parts = []
    for i, path in enumerate(traces):
        parts.append(f"""
            SELECT {i} AS file_index, '{path}' AS source_file,
                   row_number() OVER () + 1 AS line_number, false AS malformed,
                   NULL::VARCHAR AS raw_line, {QUOTED}
            FROM read_csv('{path}', columns={{{types}}}, header=true, delim=',', quote='"',
                          escape='"', auto_detect=false)""")
    con.execute("CREATE OR REPLACE VIEW rows_in AS " + " UNION ALL ".join(parts))


def lines_rows_in(con, traces):
    # DuckDB's CSV reader stops at the first stray quote even with
    # store_rejects, so rows are read as lines and split with RFC 4180
    # regular expressions; lines that are not valid UTF-8 are its rejects.
    # Physical line numbers are recovered from row numbers and the rejected
    # lines (exact unless a quoted field spans lines, which the generator
    # never writes).
    field = '"(?:[^"]|"")*"|[^,"]*'
    parts = []
    for i, path in enumerate(traces):
        con.execute(f"""
            CREATE OR REPLACE TABLE lines_{i} AS
            SELECT row_number() OVER () AS n, rtrim(line, chr(13)) AS line
            FROM read_csv('{path}', columns={{'line': 'VARCHAR'}}, header=false, delim='\\x01',
                          quote='', escape='', auto_detect=false, strict_mode=false,
                          new_line='\\r\\n', store_rejects=true, rejects_table='rejects_{i}',
                          rejects_scan='scan_{i}')""")
        con.execute(f"""
            CREATE OR REPLACE TABLE shifts_{i} AS
            SELECT line - k + 1 AS threshold, k FROM (
              SELECT line, row_number() OVER (ORDER BY line) AS k
              FROM (SELECT DISTINCT line FROM rejects_{i}))
            UNION ALL SELECT 0, 0""")
        con.execute(f"""
            CREATE OR REPLACE TABLE split_{i} AS
            SELECT l.n + s.k AS n, line,
              CASE WHEN position('"' IN line) = 0 THEN string_split(line, ',')
                   WHEN regexp_full_match(line, '(?:{field})(?:,(?:{field}))*') THEN
                     list_transform(regexp_extract_all(line, '(?:^|,)({field})', 1),
                       lambda f: CASE WHEN starts_with(f, '"') THEN replace(f[2:-2], '""', '"') ELSE f END)
              END AS f
            FROM lines_{i} l ASOF JOIN shifts_{i} s ON l.n >= s.threshold
            WHERE l.n + s.k > 1""")
        fields = ", ".join(f'f[{k + 1}] AS "{c}"' for k, c in enumerate(COLUMNS))
        nulls = ", ".join(f'NULL::VARCHAR AS "{c}"' for c in COLUMNS)
        parts.append(f"""
            SELECT {i} AS file_index, '{path}' AS source_file, n AS line_number,
                   f IS NULL OR len(f) <> 12 AS malformed, line AS raw_line, {fields}
            FROM split_{i}
            UNION ALL
            SELECT DISTINCT ON (line) {i}, '{path}', line, true, csv_line, {nulls}
            FROM rejects_{i}""")
    con.execute("CREATE OR REPLACE VIEW rows_in AS " + " UNION ALL ".join(parts))


def write_tables(con, out):
    tables = {
        "dim_users": "SELECT * FROM dim_users",
        "dim_times": "SELECT * FROM dim_times",
        "dim_langs": "SELECT * FROM dim_langs",
        "dim_words": "SELECT * FROM dim_words",
        "quarantine": "SELECT * FROM quarantine",
    }
    for name, query in tables.items():
        (out / name).mkdir()
        con.execute(f"COPY ({query}) TO '{out / name / 'part-00000.parquet'}' "
                    "(FORMAT parquet, COMPRESSION zstd)")
    con.execute(f"""
        COPY (SELECT * EXCLUDE (file_index, lexeme_string), CAST("timestamp" AS DATE) AS date
              FROM fact_wordviews)
        TO '{out / 'fact_wordviews'}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (date))""")


if __name__ == "__main__":
    main()
