"""`wordviews load --append`: after `run --append` added a batch to an output, only the new files
and the changed dimensions go into the warehouse, in one transaction.

Oracles: pyarrow reads the files the output's manifest lists and psycopg reads the tables, value by
value; `wordviews query --format json` (the Parquet side) against the views and summary tables;
PostgreSQL's catalog for the keys. The outputs: `wordviews generate` day files (with defects) and
`wordviews run --appendable` / `run --append`.
"""
import json
import subprocess
import uuid

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from postgres_server import pg_server  # noqa: F401  (fixture)
from test_load import (KEYS, QUERIES, VIEWS, assert_rows_match, db_rows, kill_load_at,
                       relation_vs_query, run_id_of, schemas)

DAYS = ["2013-03-01", "2013-03-02", "2013-03-03"]


@pytest.fixture(scope="module")
def days(tmp_path_factory, wv):
    d = tmp_path_factory.mktemp("days")
    files = []
    for i, day in enumerate(DAYS):
        path = d / f"traces-{day}.csv"
        wv("generate", "--rows", 5000, "--seed", 60 + i, "--days", 1, "--start", day,
           "--dirty-rate", 0.02, "--out", path, "-q")
        files.append(path)
    return files


def manifest(out):
    return json.loads((out / "_manifest.json").read_text())


def manifest_rows(out, table):
    """Every row of a table as pyarrow reads the files the manifest lists."""
    files = manifest(out)["tables"][table]["files"]
    return pa.concat_tables([pq.read_table(out / f["path"]) for f in files]).to_pylist()


def load(run_wv, pg_server, db, out, *args, check=True):
    return run_wv("load", out, "--postgres", pg_server.conninfo(dbname=db), *args, check=check)


def assert_warehouse_equals(pg_server, db, out):
    """Every table equals the output value by value; the state tables list its batches and files."""
    m = manifest(out)
    with pg_server.connect(db) as c:
        for table, (key, _) in KEYS.items():
            theirs = sorted(manifest_rows(out, table), key=lambda r: tuple(r[k] for k in key))
            ours = db_rows(c, "wordviews", table, key)
            assert len(ours) == m["tables"][table]["rows"], table
            assert_rows_match(table, ours, theirs, list(theirs[0].keys()), exact=True)
        batches = [r[0] for r in c.execute(
            "SELECT batch_id FROM wordviews.load_batches ORDER BY position")]
        assert batches == [b["id"] for b in m["batches"]]
        files = sorted(tuple(r) for r in c.execute(
            "SELECT table_name, path, crc32, rows FROM wordviews.load_files"))
        assert files == sorted((t, f["path"], f["crc32"], f["rows"])
                               for t, rec in m["tables"].items() for f in rec["files"])
        # Keys and foreign keys are still there and validated.
        assert c.execute("SELECT count(*) FROM pg_constraint WHERE conrelid = "
                         "'wordviews.fact_wordviews'::regclass AND convalidated").fetchone()[0] == 6
    assert run_id_of(pg_server, db) == m["run_id"]


def assert_views_and_summaries_equal_query(wv, pg_server, db, out):
    for name in VIEWS:
        ours, theirs, columns = relation_vs_query(wv, pg_server, db, out, name,
                                                  name.replace("-", "_"))
        assert_rows_match(name, ours, theirs, columns)
    for name in QUERIES:
        ours, theirs, columns = relation_vs_query(wv, pg_server, db, out, name,
                                                  "summary_" + name.replace("-", "_"))
        assert_rows_match(name, ours, theirs, columns, exact=True)


@pytest.fixture
def appended(tmp_path, wv, run_wv, pg_server, days):
    """An output of day 1 loaded whole, then day 2 appended to the output."""
    out = tmp_path / "out"
    wv("run", "--traces", days[0], "--out", out, "--appendable", "--quiet")
    db = pg_server.create_database("a_" + uuid.uuid4().hex[:10])
    load(run_wv, pg_server, db, out, "--append")  # nothing loaded yet: a full load
    first = manifest(out)
    wv("run", "--traces", days[1], "--out", out, "--append", "--quiet")
    return {"out": out, "db": db, "first": first}


def test_load_append_adds_the_new_batch_and_equals_the_output(appended, run_wv, wv, pg_server):
    out, db = appended["out"], appended["db"]
    proc = load(run_wv, pg_server, db, out, "--append")
    assert "appended 1 batch(es)" in proc.stdout, proc.stdout
    assert "dim_users" in proc.stdout  # the users a new day touches are merged
    assert_warehouse_equals(pg_server, db, out)
    assert_views_and_summaries_equal_query(wv, pg_server, db, out)
    # Day 2 is a partition of its own, attached beside day 1's; every leaf's foreign keys
    # (cloned from the table's at the attach) are validated.
    with pg_server.connect(db) as c:
        level1 = [r[0] for r in c.execute(
            "SELECT relid::regclass::text FROM pg_partition_tree('wordviews.fact_wordviews') "
            "WHERE level = 1 ORDER BY 1")]
        assert level1 == ["wordviews.fact_wordviews_b1", "wordviews.fact_wordviews_b2"]
        leaves = c.execute(
            "SELECT t.relid::regclass::text, count(con.oid) FILTER (WHERE con.contype = 'f' AND "
            "con.convalidated) FROM pg_partition_tree('wordviews.fact_wordviews') t "
            "LEFT JOIN pg_constraint con ON con.conrelid = t.relid WHERE t.isleaf GROUP BY 1 "
            "ORDER BY 1").fetchall()
        assert [n for _, n in leaves] == [5, 5, 5, 5], leaves
        # What the append wrote (merged dimensions with their dead rows, the quarantine, the new
        # leaves, copied without FREEZE) is vacuumed and frozen, as a full load leaves every table
        # (autovacuum is off for the loader's tables).
        c.execute("CREATE EXTENSION IF NOT EXISTS pg_visibility")
        for relation in ["wordviews.dim_users", "wordviews.dim_times", "wordviews.quarantine",
                         "wordviews.fact_wordviews_b2_p0", "wordviews.fact_wordviews_b2_p1"]:
            pages, visible, frozen = c.execute(
                "SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::int, "
                "all_visible, all_frozen FROM pg_visibility_map_summary(%s::regclass)",
                (relation,) * 2).fetchone()
            assert pages > 0 and visible == pages and frozen == pages, (relation, pages, visible,
                                                                        frozen)
    # The same version again: a no-op that changes nothing.
    with pg_server.connect(db) as c:
        loaded_at = c.execute("SELECT loaded_at FROM wordviews.load_metadata").fetchone()[0]
    again = load(run_wv, pg_server, db, out, "--append")
    assert "nothing to do" in again.stdout
    with pg_server.connect(db) as c:
        assert c.execute("SELECT loaded_at FROM wordviews.load_metadata").fetchone()[0] == loaded_at


def test_two_appends_in_a_row_equal_one_run_over_the_days(appended, run_wv, wv, pg_server, days):
    out, db = appended["out"], appended["db"]
    load(run_wv, pg_server, db, out, "--append")
    wv("run", "--traces", days[2], "--out", out, "--append", "--quiet")
    proc = load(run_wv, pg_server, db, out, "--append")
    assert "appended 1 batch(es)" in proc.stdout
    assert_warehouse_equals(pg_server, db, out)
    assert_views_and_summaries_equal_query(wv, pg_server, db, out)


def test_a_warehouse_several_batches_behind_takes_them_at_once(appended, run_wv, wv, pg_server,
                                                               days):
    out, db = appended["out"], appended["db"]
    wv("run", "--traces", days[2], "--out", out, "--append", "--quiet")
    proc = load(run_wv, pg_server, db, out, "--append")
    assert "appended 2 batch(es)" in proc.stdout, proc.stdout
    assert_warehouse_equals(pg_server, db, out)
    assert_views_and_summaries_equal_query(wv, pg_server, db, out)


def test_a_rebuilt_output_is_loaded_in_full_with_a_note(appended, run_wv, wv, pg_server, days,
                                                        tmp_path):
    out, db = appended["out"], appended["db"]
    rebuilt = tmp_path / "rebuilt"
    wv("run", "--traces", days[0], days[1], "--out", rebuilt, "--appendable", "--quiet")
    proc = load(run_wv, pg_server, db, rebuilt, "--append")
    assert "does not hold an earlier version" in proc.stderr and "loaded in full" in proc.stderr
    assert "appended" not in proc.stdout
    assert_warehouse_equals(pg_server, db, rebuilt)
    assert schemas(pg_server, db) == {"public", "wordviews"}


PHASES = ["merging the changed dimensions", "copying the new files",
          "building the new partition's keys", "attaching the new partition",
          "writing summary tables", "committing"]


@pytest.mark.parametrize("phase", PHASES)
def test_killed_append_leaves_the_previous_version(appended, run_wv, wv_bin, pg_server, phase):
    out, db = appended["out"], appended["db"]
    before = {t: r["rows"] for t, r in appended["first"]["tables"].items()}
    kill_load_at(phase, [wv_bin, "load", str(out), "--append", "--postgres",
                         pg_server.conninfo(dbname=db)])
    current = run_id_of(pg_server, db)
    if current == appended["first"]["run_id"]:
        with pg_server.connect(db) as c:
            for table, rows in before.items():
                assert c.execute(f"SELECT count(*) FROM wordviews.{table}").fetchone()[0] == rows
            assert c.execute("SELECT sum(views) FROM wordviews.pairs").fetchone()[0] == \
                before["fact_wordviews"]
            assert c.execute("SELECT count(*) FROM wordviews.load_batches").fetchone()[0] == 1
    else:
        assert phase == "committing"  # killed after the COMMIT was sent
    # The next load --append finishes the job, and leaves nothing behind.
    load(run_wv, pg_server, db, out, "--append")
    assert_warehouse_equals(pg_server, db, out)
    assert schemas(pg_server, db) == {"public", "wordviews"}
    with pg_server.connect(db) as c:
        assert c.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name "
                         "LIKE 'wordviews load%'").fetchone()[0] == 0


def test_an_analyst_reading_the_facts_past_the_lock_timeout_fails_the_append_unchanged(
        appended, run_wv, pg_server):
    """The append's commit waits for the fact table in attempts that back off from a
    transaction reading it; past --lock-timeout it gives up (exit 5, saying so), the
    analyst's transaction and the warehouse's version untouched. Then the append goes in."""
    out, db = appended["out"], appended["db"]
    first_rows = appended["first"]["tables"]["fact_wordviews"]["rows"]
    analyst = psycopg.connect(pg_server.conninfo(dbname=db))
    try:
        assert analyst.execute("SELECT count(*) FROM wordviews.fact_wordviews").fetchone()[0] == \
            first_rows  # and holds the table's lock until the transaction ends
        proc = load(run_wv, pg_server, db, out, "--append", "--lock-timeout", 2, "--quiet",
                    check=False)
        assert proc.returncode == 5, proc.stderr
        assert "--lock-timeout" in proc.stderr and "reading the fact table" in proc.stderr
        assert analyst.execute("SELECT count(*) FROM wordviews.fact_wordviews").fetchone()[0] == \
            first_rows
    finally:
        analyst.close()
    assert run_id_of(pg_server, db) == appended["first"]["run_id"]
    with pg_server.connect(db) as c:
        assert c.execute("SELECT count(*) FROM wordviews.load_batches").fetchone()[0] == 1
        assert c.execute("SELECT count(*) FROM wordviews.fact_wordviews").fetchone()[0] == \
            first_rows
    assert schemas(pg_server, db) == {"public", "wordviews"}
    load(run_wv, pg_server, db, out, "--append", "--lock-timeout", 2, "--quiet")
    assert_warehouse_equals(pg_server, db, out)


def test_append_without_an_earlier_version_is_a_full_load(tmp_path, wv, run_wv, pg_server, days):
    out = tmp_path / "out"
    wv("run", "--traces", days[0], "--out", out, "--appendable", "--quiet")
    db = pg_server.create_database("a_" + uuid.uuid4().hex[:10])
    proc = load(run_wv, pg_server, db, out, "--append")
    assert "held no earlier version" in proc.stderr and "loaded in full" in proc.stderr
    assert_warehouse_equals(pg_server, db, out)


PROBE = ("SELECT (SELECT count(*) FROM wordviews.fact_wordviews), "
         "(SELECT count(*) FROM wordviews.dim_users), (SELECT sum(views) FROM wordviews.pairs), "
         "(SELECT sum(number_of_sessions) + sum(views) FROM wordviews.dim_users), "
         "(SELECT count(*) FROM wordviews.summary_daily_totals), "
         "(SELECT count(*) FROM wordviews.load_batches)")


def test_readers_during_an_append_see_the_old_or_the_new_version_whole(appended, wv_bin,
                                                                       pg_server):
    """Sessions reading the fact table, a dimension the batch changes, a view, a summary table and
    the state in one statement each, in a loop while `load --append` runs: no errors, and every
    answer is the version before or the one after, never a mix."""
    import threading

    import psycopg

    out, db = appended["out"], appended["db"]
    conninfo = pg_server.conninfo(dbname=db)
    with psycopg.connect(conninfo) as c:
        old = c.execute(PROBE).fetchone()
    done, answers, errors = threading.Event(), [], []

    def reader():
        try:
            with psycopg.connect(conninfo, autocommit=True) as c:
                while not done.is_set():
                    answers.append(c.execute(PROBE).fetchone())
        except Exception as e:  # noqa: BLE001 (every error is a failure of the guarantee)
            errors.append(repr(e))

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    proc = subprocess.run([wv_bin, "load", str(out), "--append", "--postgres", conninfo],
                          capture_output=True, text=True)
    done.set()
    for t in threads:
        t.join()
    assert proc.returncode == 0, proc.stderr
    with psycopg.connect(conninfo) as c:
        new = c.execute(PROBE).fetchone()
    assert old != new and not errors, errors[:3]
    assert answers and set(answers) <= {old, new}, set(answers) - {old, new}


def user_id_indexes(conn):
    """Whether the fact table's index on user_id is valid (a partitioned index is valid only when
    every partition has its own attached), and each leaf's count of indexes on user_id."""
    valid = [r[0] for r in conn.execute(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND "
        "a.attnum = i.indkey[0] WHERE i.indrelid = 'wordviews.fact_wordviews'::regclass "
        "AND a.attname = 'user_id'")]
    leaves = [r[0] for r in conn.execute(
        "SELECT count(i.indexrelid) FROM pg_partition_tree('wordviews.fact_wordviews') t "
        "LEFT JOIN pg_index i ON i.indrelid = t.relid AND EXISTS (SELECT 1 FROM pg_attribute a "
        "WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[0] AND a.attname = 'user_id') "
        "WHERE t.isleaf GROUP BY t.relid ORDER BY t.relid::regclass::text")]
    return valid, leaves


def test_an_append_builds_on_its_partition_the_indexes_the_fact_table_has(tmp_path, wv, run_wv,
                                                                          pg_server, days):
    """Loaded with --index user_id, then appended without it: the new leaves get the btree too
    (the parent's index stays valid: every partition has one), without a note. A warehouse
    loaded without it, appended with --index user_id: the append keeps the table's indexes and
    says that a full load builds the others."""
    out = tmp_path / "out"
    wv("run", "--traces", days[0], "--out", out, "--appendable", "--quiet")
    with_index = pg_server.create_database("i_" + uuid.uuid4().hex[:10])
    load(run_wv, pg_server, with_index, out, "--index", "user_id")
    wv("run", "--traces", days[1], "--out", out, "--append", "--quiet")
    proc = load(run_wv, pg_server, with_index, out, "--append")
    assert "appended 1 batch(es)" in proc.stdout and "optional indexes" not in proc.stderr
    with pg_server.connect(with_index) as c:
        assert user_id_indexes(c) == ([True], [1, 1, 1, 1])
    assert_warehouse_equals(pg_server, with_index, out)

    without = pg_server.create_database("j_" + uuid.uuid4().hex[:10])
    load(run_wv, pg_server, without, out)
    wv("run", "--traces", days[2], "--out", out, "--append", "--quiet")
    proc = load(run_wv, pg_server, without, out, "--append", "--index", "user_id")
    assert "appended 1 batch(es)" in proc.stdout, proc.stdout
    assert "keeps its optional indexes (none)" in proc.stderr, proc.stderr
    with pg_server.connect(without) as c:
        assert user_id_indexes(c) == ([], [0, 0, 0, 0])
    assert_warehouse_equals(pg_server, without, out)
