"""Shared by the distributed-run tests (test_dist_primitives.py, test_dist_spark.py): dirty inputs
with duplicates across files, and the value-by-value comparison of two outputs with DuckDB.

Not thread-safe (plain functions over files)."""
import pathlib
import sys

import duckdb

from conftest import REPO, manifest

sys.path.insert(0, str(REPO / "spark"))
import wordviews_spark  # noqa: E402  (the driver's pure functions: planning, dedup, attempts)

TABLES = ["fact_wordviews", "dim_users", "dim_times", "dim_langs", "dim_words", "quarantine"]
# Each run's own id; every other column is compared.
PER_RUN_COLUMNS = {"batch_id"}


def make_inputs(run_wv, root, rows=(2500, 1800, 1200), users=None):
    """Three dirty generated files (every rejection reason, duplicates within each; the second gzip) and a fourth,
    placed second, that repeats rows of the first (a cross-split duplicate, first occurrence in an
    earlier split), of the third (first occurrence in this file: the later split's copies are the
    duplicates), and some of those twice (a duplicate of a cross-split duplicate). Absolute paths in
    input order. `users`: the generator's users per file (default: its own, rows / 110)."""
    root = pathlib.Path(root)
    paths = []
    for i, n in enumerate(rows):
        p = root / (f"part{i}.csv.gz" if i == 1 else f"part{i}.csv")  # one gzip input (a whole split)
        run_wv("generate", "--rows", n, "--seed", 21 + i, "--dirty-rate", 0.05, "--out", p, "--quiet",
               *(["--users", min(users, n)] if users else []))
        paths.append(p)
    a = [line + b"\n" for line in paths[0].read_bytes().split(b"\n")[:-1]]
    c = [line + b"\n" for line in paths[2].read_bytes().split(b"\n")[:-1]]
    repeats = root / "repeats.csv"
    repeats.write_bytes(b"".join([a[0]] + c[1:150] + a[100:300] + a[250:260] + c[10:20]))
    return [str(p) for p in (paths[0], repeats, paths[1], paths[2])]


def _select(out, table):
    glob = f"{out}/{table}/**/*.parquet" if table == "fact_wordviews" else f"{out}/{table}/*.parquet"
    con = duckdb.connect()
    cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{glob}', hive_partitioning=false)").fetchall()]
    keep = [c for c in cols if c not in PER_RUN_COLUMNS]
    return con, cols, f"SELECT {', '.join(chr(34) + c + chr(34) for c in keep)} FROM read_parquet('{glob}', hive_partitioning=false)"


def table_rows(out, table):
    """Every row of `table` in `out` (per-run columns left out), sorted: a multiset to compare."""
    con, _, query = _select(out, table)
    return sorted(con.execute(query).fetchall(), key=repr)


def assert_same_output(single, dist):
    """Every table equal value by value (row order within a day and the file layout aside), the
    schemas equal, and the manifests' row counts and per-reason counts equal."""
    for table in TABLES:
        _, cols_a, _ = _select(single, table)
        _, cols_b, _ = _select(dist, table)
        assert cols_a == cols_b, table
        a, b = table_rows(single, table), table_rows(dist, table)
        assert len(a) == len(b), (table, len(a), len(b))
        assert a == b, table
    ma, mb = manifest(single), manifest(dist)
    for key in ("rows", "blank_lines", "rejected_by_reason"):
        assert ma[key] == mb[key], key
    assert [i["path"] for i in ma["inputs"]] == [i["path"] for i in mb["inputs"]]
    assert [(i["bytes"], i["crc32"]) for i in ma["inputs"]] == [(i["bytes"], i["crc32"]) for i in mb["inputs"]]
    assert {n: t["rows"] for n, t in ma["tables"].items()} == {n: t["rows"] for n, t in mb["tables"].items()}
    checks_a = {c["name"]: (c["observed"], c["expected"], c["passed"]) for c in ma["quality_checks"]}
    checks_b = {c["name"]: (c["observed"], c["expected"], c["passed"]) for c in mb["quality_checks"]}
    common = set(checks_a) & set(checks_b)
    assert len(common) >= 20, sorted(set(checks_a) ^ set(checks_b))
    assert {n: checks_a[n] for n in common} == {n: checks_b[n] for n in common}
