"""`wordviews load` vs PostgreSQL's own COPY FROM CSV, same rows, same tables, same server.

usage: load_bench.py WORDVIEWS OUTPUT_DIR

1. `wordviews load OUTPUT_DIR` (parallel binary COPY, keys, indexes, foreign keys, ANALYZE,
   summary tables, views, swap): timed as a whole.
2. The loaded tables exported to CSV by the server (COPY ... TO, not timed).
3. The peer: PostgreSQL's own `COPY ... FROM 'file.csv' (FORMAT csv)` into the same tables
   (CREATE TABLE ... (LIKE ...): same columns and NOT NULLs, no keys, no indexes), one after the
   other, as a DBA would script it: timed.
4. `wordviews load --force` again: timed (the better of the two runs is the ratio's).
5. Each research view and each summary table read whole (SELECT *): best of three.

The server (started here, durable settings: fsync on, max_wal_size 4GB, shared_buffers 512MB)
is the one the end-to-end tests use (tests/e2e/postgres_server.py).
"""
import os
import pathlib
import re
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from postgres_server import PostgresServer  # noqa: E402

TABLES = ["dim_langs", "dim_users", "dim_times", "dim_words", "fact_wordviews", "quarantine"]
VIEWS = ["pairs", "pair_users", "pair_views", "time_of_day", "retention_pairs", "retention_ui",
         "forgetting_curve", "hardest_words", "recall_by_pos"]
SUMMARIES = [f"summary_{v}" for v in VIEWS + ["time_of_day_test"]]
SETTINGS = {"max_connections": "50", "shared_buffers": "512MB", "max_wal_size": "4GB"}


def timed_load(wv, star, conninfo, *extra):
    start = time.monotonic()
    proc = subprocess.run([wv, "load", star, "--postgres", conninfo, *extra],
                          capture_output=True, text=True, check=True)
    wall = time.monotonic() - start
    phases = re.search(r"\((verifying.*)\)", proc.stdout)
    return wall, phases.group(1) if phases else ""


def best_of(conn, sql, n=3):
    best = None
    for _ in range(n):
        start = time.monotonic()
        conn.execute(sql).fetchall()
        elapsed = time.monotonic() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def main():
    wv, star = sys.argv[1], sys.argv[2]
    server = PostgresServer(SETTINGS)
    try:
        db = server.create_database("bench")
        conninfo = server.conninfo(dbname=db)
        first, phases1 = timed_load(wv, star, conninfo)
        csv_dir = pathlib.Path(server.dir) / "csv"
        with server.connect(db) as c:
            rows = {t: c.execute(f"SELECT count(*) FROM wordviews.{t}").fetchone()[0]
                    for t in TABLES}
            os.makedirs(csv_dir, exist_ok=True)
            if os.geteuid() == 0:
                import pwd
                owner = pwd.getpwnam("postgres")
                os.chown(csv_dir, owner.pw_uid, owner.pw_gid)
            for t in TABLES:
                # (a query: the fact table is partitioned, and COPY TO reads only plain tables)
                c.execute(f"COPY (SELECT * FROM wordviews.{t}) TO '{csv_dir}/{t}.csv' (FORMAT csv)")
            csv_bytes = sum((csv_dir / f"{t}.csv").stat().st_size for t in TABLES)
            c.execute("CREATE SCHEMA peer")
            for t in TABLES:
                c.execute(f"CREATE TABLE peer.{t} (LIKE wordviews.{t})")
            start = time.monotonic()
            for t in TABLES:
                c.execute(f"COPY peer.{t} FROM '{csv_dir}/{t}.csv' (FORMAT csv)")
            peer = time.monotonic() - start
            c.execute("DROP SCHEMA peer CASCADE")
        second, phases2 = timed_load(wv, star, conninfo, "--force")
        ours = min(first, second)
        print(f"rows: {sum(rows.values()):,} ({rows['fact_wordviews']:,} fact rows); "
              f"CSV {csv_bytes / 1e9:.2f} GB; load average {os.getloadavg()[0]:.1f}")
        print("| | wall (s) |\n| --- | --- |")
        print(f"| wordviews load, 1st (everything: COPY, keys, FKs, ANALYZE, summaries, views, "
              f"swap) | {first:.1f} |")
        print(f"| wordviews load --force, 2nd | {second:.1f} |")
        print(f"| PostgreSQL COPY FROM CSV, no keys or indexes | {peer:.1f} |")
        print(f"| ratio wordviews / COPY | {ours / peer:.2f} |")
        print(f"\nphases (1st): {phases1}\nphases (2nd): {phases2}\n")
        with server.connect(db) as c:
            print("| relation | best of 3 (ms) |\n| --- | --- |")
            for name in VIEWS + SUMMARIES:
                ms = best_of(c, f"SELECT * FROM wordviews.{name}") * 1000
                print(f"| {name} | {ms:.1f} |")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
