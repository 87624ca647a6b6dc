"""`wordviews load`: the star schema in a real PostgreSQL, checked against independent readers.

Oracles: pyarrow reads the Parquet files and psycopg reads the loaded tables, value by value;
PostgreSQL's own catalog and anti-joins for keys and foreign keys; `wordviews query --format json`
(the Parquet side) against the views (PostgreSQL's SQL); the server's permission checks for the
analyst role. The outputs come from `wordviews generate` + `wordviews run` (small, with defects, so
the quarantine holds raw bytes).
"""
import asyncio
import json
import math
import os
import pathlib
import shutil
import signal
import subprocess
import uuid

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from psycopg import sql

from postgres_server import free_port, pg_server  # noqa: F401  (fixture)

VIEWS = ["pairs", "pair-users", "pair-views", "time-of-day", "retention-pairs", "retention-ui",
         "forgetting-curve", "hardest-words", "recall-by-pos"]
QUERIES = VIEWS + ["time-of-day-test", "daily-trends", "daily-totals"]
# The keys docs/PIPELINE.md specifies ("Output"): table -> (primary key, foreign keys).
KEYS = {
    "fact_wordviews": (["source_file", "line_number"],
                       {"user_id": ("dim_users", "user_id"), "epoch": ("dim_times", "epoch"),
                        "learning_language": ("dim_langs", "alpha2_code"),
                        "ui_language": ("dim_langs", "alpha2_code"),
                        "lexeme_id": ("dim_words", "lexeme_id")}),
    "dim_users": (["user_id"], {}),
    "dim_times": (["epoch"], {}),
    "dim_langs": (["alpha2_code"], {}),
    "dim_words": (["lexeme_id"], {}),
    "quarantine": (["source_file", "line_number"], {}),
}


def make_output(wv, folder, rows, seed):
    folder.mkdir(parents=True, exist_ok=True)
    traces = folder / "traces.csv"
    wv("generate", "--rows", rows, "--seed", seed, "--dirty-rate", 0.02, "--out", traces, "-q")
    out = folder / "out"
    wv("run", "--traces", traces, "--out", out, "--quiet")
    manifest = json.loads((out / "_manifest.json").read_text())
    return {"dir": out, "run_id": manifest["run_id"],
            "rows": {name: t["rows"] for name, t in manifest["tables"].items()}}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, wv):
    base = tmp_path_factory.mktemp("load")
    return {"a": make_output(wv, base / "a", 20000, 5), "b": make_output(wv, base / "b", 12000, 9)}


@pytest.fixture
def db(pg_server):
    return pg_server.create_database("t_" + uuid.uuid4().hex[:10])


def load(run_wv, pg_server, db, out, *args, check=True, **kwargs):
    return run_wv("load", out, "--postgres", pg_server.conninfo(dbname=db), *args, check=check,
                  **kwargs)


def run_id_of(pg_server, db, schema="wordviews"):
    with pg_server.connect(db) as c:
        return c.execute(sql.SQL("SELECT run_id FROM {}.load_metadata").format(
            sql.Identifier(schema))).fetchone()[0]


def schemas(pg_server, db):
    with pg_server.connect(db) as c:
        return {r[0] for r in c.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
            "AND nspname <> 'information_schema'")}


def parquet_rows(out, table):
    """Every row of a table's Parquet files (the fact table's date= partitions included)."""
    files = sorted((pathlib.Path(out) / table).rglob("*.parquet"))
    tables = [pq.read_table(f) for f in files]
    return pa.concat_tables(tables).to_pylist()


def db_rows(conn, schema, table, order):
    query = sql.SQL("SELECT * FROM {}.{} ORDER BY {}").format(
        sql.Identifier(schema), sql.Identifier(table),
        sql.SQL(", ").join(sql.SQL("{} COLLATE \"C\"").format(sql.Identifier(c))
                           if c in ("source_file", "user_id", "alpha2_code", "lexeme_id")
                           else sql.Identifier(c) for c in order))
    cur = conn.execute(query)
    names = [d.name for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        if math.isnan(a) and math.isnan(b):
            return True
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def query_json(wv, out, name):
    return json.loads(wv("query", out, name, "--format", "json").stdout)


def assert_rows_match(label, ours, theirs, columns, exact=False):
    assert len(ours) == len(theirs), f"{label}: {len(ours)} rows, expected {len(theirs)}"
    for i, (o, t) in enumerate(zip(ours, theirs)):
        for c in columns:
            same = o[c] == t[c] if exact else close(o[c], t[c])
            assert same, f"{label}: row {i} column {c}: {o[c]!r} != {t[c]!r}"


# ----------------------------------------------------------------- the loaded tables


@pytest.fixture(scope="module")
def loaded(outputs, pg_server, run_wv):
    db = pg_server.create_database("loaded")
    proc = load(run_wv, pg_server, db, outputs["a"]["dir"], "--jobs", 3)
    return {"db": db, "proc": proc}


def test_load_reports_every_table_and_records_the_run(loaded, outputs, pg_server):
    out = loaded["proc"].stdout
    assert outputs["a"]["run_id"] in out
    for table, rows in outputs["a"]["rows"].items():
        assert table in out and f"{rows:,}" in out
    assert run_id_of(pg_server, loaded["db"]) == outputs["a"]["run_id"]
    assert schemas(pg_server, loaded["db"]) == {"public", "wordviews"}


@pytest.mark.parametrize("table", list(KEYS))
def test_loaded_table_equals_the_parquet_files_value_by_value(loaded, outputs, pg_server, table):
    key = KEYS[table][0]
    theirs = sorted(parquet_rows(outputs["a"]["dir"], table),
                    key=lambda r: tuple(r[c] for c in key))
    with pg_server.connect(loaded["db"]) as c:
        ours = db_rows(c, "wordviews", table, key)
    assert len(ours) == outputs["a"]["rows"][table]
    columns = list(theirs[0].keys())
    assert list(ours[0].keys()) == columns  # the file's columns, in its order
    assert_rows_match(table, ours, theirs, columns, exact=True)
    if table == "quarantine":
        # Invalid UTF-8 survives as bytes (the generator injects it).
        assert any(isinstance(r["raw_line"], bytes) for r in ours)


def test_types_nullability_and_comments_follow_the_files(loaded, outputs, pg_server):
    pg_type = {pa.int64(): "bigint", pa.int32(): "integer", pa.float64(): "double precision",
               pa.string(): "text", pa.binary(): "bytea", pa.bool_(): "boolean",
               pa.date32(): "date", pa.timestamp("us", tz="UTC"): "timestamp with time zone"}
    with pg_server.connect(loaded["db"]) as c:
        for table in KEYS:
            schema = pq.read_schema(next((outputs["a"]["dir"] / table).rglob("*.parquet")))
            cols = c.execute(
                "SELECT column_name, data_type, is_nullable, col_description("
                "('wordviews.' || quote_ident(table_name))::regclass, ordinal_position) "
                "FROM information_schema.columns WHERE table_schema = 'wordviews' "
                "AND table_name = %s ORDER BY ordinal_position", (table,)).fetchall()
            assert [r[0] for r in cols] == schema.names
            for (name, data_type, nullable, comment), field in zip(cols, schema):
                assert data_type == pg_type[field.type], (table, name)
                assert (nullable == "YES") == field.nullable, (table, name)
                assert comment, (table, name)
            assert c.execute("SELECT obj_description(%s::regclass)",
                             (f"wordviews.{table}",)).fetchone()[0]


def test_primary_and_foreign_keys_exist_are_valid_and_hold(loaded, pg_server):
    with pg_server.connect(loaded["db"]) as c:
        for table, (pk, fks) in KEYS.items():
            rows = c.execute(
                "SELECT contype, convalidated, "
                "  (SELECT array_agg(a.attname ORDER BY k.n) FROM unnest(con.conkey) "
                "   WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = con.conrelid "
                "   AND a.attnum = k.attnum), confrelid::regclass::text, "
                "  (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = con.confrelid "
                "   AND a.attnum = con.confkey[1]) "
                "FROM pg_constraint con WHERE conrelid = %s::regclass",
                (f"wordviews.{table}",)).fetchall()
            assert [r[2] for r in rows if r[0] == "p"] == [pk], table
            found = {r[2][0]: (r[3].split(".")[-1], r[4]) for r in rows if r[0] == "f"}
            assert found == fks, table
            assert all(r[1] for r in rows), table  # validated
            for column, (ref, ref_column) in fks.items():
                orphans = c.execute(sql.SQL(
                    "SELECT count(*) FROM wordviews.{} f WHERE NOT EXISTS "
                    "(SELECT 1 FROM wordviews.{} d WHERE d.{} = f.{})").format(
                        sql.Identifier(table), sql.Identifier(ref), sql.Identifier(ref_column),
                        sql.Identifier(column))).fetchone()[0]
                assert orphans == 0
            dups = c.execute(sql.SQL(
                "SELECT count(*) FROM (SELECT 1 FROM wordviews.{} GROUP BY {} "
                "HAVING count(*) > 1) d").format(
                    sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, pk)))).fetchone()
            assert dups[0] == 0
        # The constraints are enforced, not informational.
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            c.execute("INSERT INTO wordviews.fact_wordviews SELECT \"timestamp\", epoch, "
                      "'u:nobody', learning_language, ui_language, lexeme_id, delta, p_recall, "
                      "session_seen, session_correct, history_seen, history_correct, session_pct, "
                      "history_pct, source_file, line_number + 1000000000, batch_id "
                      "FROM wordviews.fact_wordviews LIMIT 1")
        indexes = {r[0] for r in c.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'wordviews'")}
        # The BRIN always; the btree on user_id only with --index user_id (below).
        assert "fact_wordviews_timestamp_brin" in indexes
        assert not any("user_id_idx" in i for i in indexes), indexes
        analyzed = c.execute("SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = "
                             "'wordviews' AND last_analyze IS NOT NULL").fetchone()[0]
        assert analyzed >= len(KEYS)


@pytest.mark.parametrize("jobs", [1, 3])  # 1: the leaves one after the other, each decoding alone
def test_rows_are_stored_frozen_and_the_fact_table_in_key_order(outputs, pg_server, run_wv, db,
                                                                jobs):
    """COPY FREEZE in the table's own transaction: every page all-visible and all-frozen in the
    visibility map (PostgreSQL's pg_visibility reads it); the fact table is hash-partitioned on
    line_number (two partitions, copied by two sessions), one stream per partition in key order:
    each partition's rows in physical (ctid) order are its Parquet rows sorted by the primary key,
    and every row is in the partition PostgreSQL's own hash assigns it (satisfies_hash_partition).
    (A database of its own: another test's refused INSERT leaves a dead row in `loaded`.)"""
    load(run_wv, pg_server, db, outputs["a"]["dir"], "--jobs", jobs)
    with pg_server.connect(db) as c:
        c.execute("CREATE EXTENSION IF NOT EXISTS pg_visibility")
        # Two levels: a list partition per load (its source files), hashed into two leaves.
        tree = c.execute("SELECT relid::regclass::text, parentrelid::regclass::text, isleaf, level "
                         "FROM pg_partition_tree('wordviews.fact_wordviews') ORDER BY 1").fetchall()
        batch = f"wordviews.fact_wordviews_b{len(manifest_of(outputs['a']['dir'])['batches'])}"
        assert tree == [("wordviews.fact_wordviews", None, False, 0),
                        (batch, "wordviews.fact_wordviews", False, 1),
                        (f"{batch}_p0", batch, True, 2), (f"{batch}_p1", batch, True, 2)]
        partitions = [f"{batch}_p0", f"{batch}_p1"]
        for relation in [f"wordviews.{t}" for t in KEYS if t != "fact_wordviews"] + partitions:
            pages, visible, frozen = c.execute(
                "SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::int, "
                "all_visible, all_frozen FROM pg_visibility_map_summary(%s::regclass)",
                (relation,) * 2).fetchone()
            assert pages > 0 and visible == pages and frozen == pages, relation
        stored = {}
        for i, relation in enumerate(partitions):
            stored[i] = [tuple(r) for r in c.execute(
                f"SELECT source_file, line_number FROM {relation} ORDER BY ctid")]
            misplaced = c.execute(
                f"SELECT count(*) FROM {relation} WHERE NOT satisfies_hash_partition("
                "%s::regclass, 2, %s, line_number)", (batch, i)).fetchone()[0]
            assert misplaced == 0
    files = parquet_rows(outputs["a"]["dir"], "fact_wordviews")
    keys = sorted((r["source_file"].encode(), r["line_number"]) for r in files)
    for i in stored:
        ours = [(f.encode(), n) for f, n in stored[i]]
        assert ours == sorted(ours) and ours, i
    assert sorted((f.encode(), n) for rows in stored.values() for f, n in rows) == keys


def manifest_of(out):
    return json.loads((pathlib.Path(out) / "_manifest.json").read_text())


def relation_vs_query(wv, pg_server, db, out, name, relation):
    """The rows of `relation` and of `wordviews query OUT name --format json`, and the columns."""
    expected = query_json(wv, out, name)
    columns = [c["name"] for c in expected["columns"]]
    with pg_server.connect(db) as c:
        cur = c.execute(sql.SQL("SELECT * FROM wordviews.{}").format(sql.Identifier(relation)))
        assert [d.name for d in cur.description] == columns
        ours = [dict(zip(columns, r)) for r in cur.fetchall()]
    return ours, expected["rows"], columns


@pytest.mark.parametrize("name", VIEWS)
def test_view_equals_wordviews_query(loaded, outputs, pg_server, wv, name):
    ours, theirs, columns = relation_vs_query(wv, pg_server, loaded["db"], outputs["a"]["dir"],
                                              name, name.replace("-", "_"))
    assert ours, name
    assert_rows_match(name, ours, theirs, columns)


@pytest.mark.parametrize("name", QUERIES)
def test_summary_table_equals_wordviews_query_exactly(loaded, outputs, pg_server, wv, name):
    ours, theirs, columns = relation_vs_query(wv, pg_server, loaded["db"], outputs["a"]["dir"],
                                              name, "summary_" + name.replace("-", "_"))
    assert_rows_match(name, ours, theirs, columns, exact=True)


def test_same_run_again_is_a_no_op_unless_forced(loaded, outputs, pg_server, run_wv):
    db = loaded["db"]
    with pg_server.connect(db) as c:
        before = c.execute("SELECT loaded_at FROM wordviews.load_metadata").fetchone()[0]
    proc = load(run_wv, pg_server, db, outputs["a"]["dir"])
    assert "already holds run" in proc.stdout and "nothing to do" in proc.stdout
    with pg_server.connect(db) as c:
        assert c.execute("SELECT loaded_at FROM wordviews.load_metadata").fetchone()[0] == before
    load(run_wv, pg_server, db, outputs["a"]["dir"], "--force", "--quiet")
    with pg_server.connect(db) as c:
        assert c.execute("SELECT loaded_at FROM wordviews.load_metadata").fetchone()[0] > before
    assert schemas(pg_server, db) == {"public", "wordviews"}


# ----------------------------------------------------------------- the analyst role


def test_read_role_reads_and_cannot_write_create_or_drop(outputs, pg_server, run_wv, db):
    with pg_server.connect(db) as c:
        c.execute("CREATE ROLE analyst LOGIN PASSWORD 'analyst-pw'")
    load(run_wv, pg_server, db, outputs["a"]["dir"], "--grant-read", "analyst",
         "--read-timeout", 120)
    # A reload without --grant-read keeps the role's access (the new version inherits it).
    load(run_wv, pg_server, db, outputs["b"]["dir"])
    with psycopg.connect(pg_server.conninfo(dbname=db, user="analyst", password="analyst-pw"),
                         autocommit=True) as a:
        assert a.execute("SHOW statement_timeout").fetchone()[0] == "2min"
        n = a.execute("SELECT count(*) FROM wordviews.fact_wordviews").fetchone()[0]
        assert n == outputs["b"]["rows"]["fact_wordviews"]
        assert a.execute("SELECT count(*) FROM wordviews.retention_pairs").fetchone()[0] > 0
        assert a.execute("SELECT count(*) FROM wordviews.summary_time_of_day_test").fetchone()[0]
        for statement in [
            "INSERT INTO wordviews.dim_langs (alpha2_code) VALUES ('xx')",
            "UPDATE wordviews.dim_users SET views = 0",
            "DELETE FROM wordviews.quarantine",
            "TRUNCATE wordviews.dim_times CASCADE",
            "CREATE TABLE wordviews.mine (x int)",
            "CREATE VIEW wordviews.mine AS SELECT 1",
            "DROP TABLE wordviews.fact_wordviews CASCADE",
            "DROP VIEW wordviews.pairs",
            "ALTER TABLE wordviews.dim_words ADD COLUMN x int",
            "DROP SCHEMA wordviews CASCADE",
        ]:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                a.execute(statement)
    assert run_id_of(pg_server, db) == outputs["b"]["run_id"]


def test_grant_read_creates_a_missing_role_nologin(outputs, pg_server, run_wv, db):
    proc = load(run_wv, pg_server, db, outputs["b"]["dir"], "--grant-read", "readers")
    assert "created role readers" in proc.stderr
    with pg_server.connect(db) as c:
        login, = c.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'readers'").fetchone()
        assert login is False
        assert c.execute("SELECT has_table_privilege('readers', 'wordviews.pairs', 'SELECT'), "
                         "has_schema_privilege('readers', 'wordviews', 'CREATE')").fetchone() \
            == (True, False)


# ----------------------------------------------------------------- failures change nothing


@pytest.fixture
def loaded_a(outputs, pg_server, run_wv, db):
    load(run_wv, pg_server, db, outputs["a"]["dir"], "--quiet")
    return db


def assert_unchanged(pg_server, db, outputs):
    assert run_id_of(pg_server, db) == outputs["a"]["run_id"]
    assert schemas(pg_server, db) == {"public", "wordviews"}
    with pg_server.connect(db) as c:
        assert c.execute("SELECT count(*) FROM wordviews.fact_wordviews").fetchone()[0] == \
            outputs["a"]["rows"]["fact_wordviews"]


def test_unreachable_server_is_exit_7(outputs, pg_server, run_wv, loaded_a):
    proc = run_wv("load", outputs["b"]["dir"], "--postgres",
                  f"host=127.0.0.1 port={free_port()} dbname={loaded_a} user=wvadmin "
                  f"password={pg_server.password} connect_timeout=5", check=False)
    assert proc.returncode == 7, proc.stderr
    assert "cannot connect" in proc.stderr and "127.0.0.1" in proc.stderr
    assert pg_server.password not in proc.stderr + proc.stdout
    assert_unchanged(pg_server, loaded_a, outputs)


@pytest.mark.parametrize("how", ["conninfo", "uri", "pgpassword"])
def test_wrong_password_is_exit_8_and_never_printed(outputs, pg_server, run_wv, loaded_a, how):
    secret = "not-the-password-" + uuid.uuid4().hex[:6]
    env = dict(os.environ)
    if how == "conninfo":
        target = pg_server.conninfo(dbname=loaded_a, password=secret, tcp=True)
    elif how == "uri":
        target = f"postgresql://wvadmin:{secret}@127.0.0.1:{pg_server.port}/{loaded_a}"
    else:
        target = pg_server.conninfo(dbname=loaded_a, password="", tcp=True)
        env["PGPASSWORD"] = secret
    proc = run_wv("load", outputs["b"]["dir"], "--postgres", target, check=False, env=env)
    assert proc.returncode == 8, proc.stderr
    assert "authentication failed" in proc.stderr
    assert secret not in proc.stderr + proc.stdout
    assert_unchanged(pg_server, loaded_a, outputs)


def test_no_password_at_all_is_exit_8(outputs, pg_server, run_wv, loaded_a, tmp_path):
    env = dict(os.environ, PGPASSFILE=str(tmp_path / "none"))
    env.pop("PGPASSWORD", None)
    proc = run_wv("load", outputs["b"]["dir"], "--postgres",
                  pg_server.conninfo(dbname=loaded_a, password="", tcp=True), check=False,
                  env=env)
    assert proc.returncode == 8 and "no password" in proc.stderr, proc.stderr


def test_password_from_pgpass_is_used(outputs, pg_server, run_wv, loaded_a, tmp_path):
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{pg_server.port}:{loaded_a}:wvadmin:{pg_server.password}\n")
    pgpass.chmod(0o600)
    env = dict(os.environ, PGPASSFILE=str(pgpass))
    env.pop("PGPASSWORD", None)
    proc = run_wv("load", outputs["b"]["dir"], "--postgres",
                  pg_server.conninfo(dbname=loaded_a, password="", tcp=True), env=env)
    assert pg_server.password not in proc.stdout + proc.stderr
    assert run_id_of(pg_server, loaded_a) == outputs["b"]["run_id"]


def test_missing_database_is_exit_5(outputs, pg_server, run_wv):
    proc = run_wv("load", outputs["b"]["dir"], "--postgres",
                  pg_server.conninfo(dbname="no_such_db"), check=False)
    assert proc.returncode == 5, proc.stderr
    assert 'database "no_such_db" does not exist' in proc.stderr
    assert pg_server.password not in proc.stderr


def test_bad_connection_string_is_a_usage_error_quoting_nothing(outputs, run_wv):
    proc = run_wv("load", outputs["b"]["dir"], "--postgres", "host=x password=s3cr3t-pw port",
                  check=False)
    assert proc.returncode == 2
    assert "s3cr3t" not in proc.stderr + proc.stdout


def test_damaged_output_is_exit_6(outputs, pg_server, run_wv, loaded_a, tmp_path):
    damaged = tmp_path / "out"
    shutil.copytree(outputs["b"]["dir"], damaged)
    victim = sorted((damaged / "fact_wordviews").rglob("*.parquet"))[0]
    with open(victim, "r+b") as f:
        f.truncate(victim.stat().st_size - 100)
    proc = load(run_wv, pg_server, loaded_a, damaged, check=False)
    assert proc.returncode == 6, proc.stderr
    assert_unchanged(pg_server, loaded_a, outputs)
    missing = run_wv("load", tmp_path / "nothing", "--postgres",
                     pg_server.conninfo(dbname=loaded_a), check=False)
    assert missing.returncode == 3


def copy_with_damaged_data_pages(out, copy):
    """A copy of output `out` whose largest fact file has garbage in its data pages: the same
    size and footer, so that only decoding finds it."""
    shutil.copytree(out, copy)
    victim = max((copy / "fact_wordviews").rglob("*.parquet"), key=lambda f: f.stat().st_size)
    with open(victim, "r+b") as f:
        f.seek(victim.stat().st_size // 3)
        f.write(bytes(range(256)) * 4)
    return copy


def test_output_damaged_inside_a_file_is_exit_6_and_leaves_no_staging(
        outputs, pg_server, run_wv, loaded_a, tmp_path):
    damaged = copy_with_damaged_data_pages(outputs["b"]["dir"], tmp_path / "out")
    proc = load(run_wv, pg_server, loaded_a, damaged, check=False)
    assert proc.returncode == 6, proc.stderr
    assert "wordviews check" in proc.stderr
    assert_unchanged(pg_server, loaded_a, outputs)  # and no staging schema left


def test_schema_name_needing_quotes_is_loaded_exactly(outputs, pg_server, run_wv, db):
    name = 'Wörd "Views"; DROP TABLE x; --'
    load(run_wv, pg_server, db, outputs["b"]["dir"], "--schema", name)
    assert run_id_of(pg_server, db, name) == outputs["b"]["run_id"]
    assert schemas(pg_server, db) == {"public", name}
    with pg_server.connect(db) as c:
        n = c.execute(sql.SQL("SELECT sum(views) FROM {}.pairs").format(
            sql.Identifier(name))).fetchone()[0]
        assert n == outputs["b"]["rows"]["fact_wordviews"]


def test_bad_schema_names_are_usage_errors(outputs, pg_server, run_wv, loaded_a):
    for name in ["x" * 60, "pg_mine", ""]:
        proc = load(run_wv, pg_server, loaded_a, outputs["b"]["dir"], "--schema", name,
                    check=False)
        assert proc.returncode == 2, (name, proc.stderr)
    assert_unchanged(pg_server, loaded_a, outputs)


def test_a_schema_not_created_by_load_is_left_alone(outputs, pg_server, run_wv, db):
    with pg_server.connect(db) as c:
        c.execute("CREATE SCHEMA theirs; CREATE TABLE theirs.keep (x int); "
                  "INSERT INTO theirs.keep VALUES (42)")
    proc = load(run_wv, pg_server, db, outputs["b"]["dir"], "--schema", "theirs", check=False)
    assert proc.returncode == 5 and "not created by wordviews load" in proc.stderr
    with pg_server.connect(db) as c:
        assert c.execute("SELECT x FROM theirs.keep").fetchone()[0] == 42
    assert schemas(pg_server, db) == {"public", "theirs"}


def test_a_table_named_like_a_fact_partition_is_not_taken_for_ours(outputs, pg_server, run_wv,
                                                                   loaded_a):
    """Ownership comes from the catalog (partitions of our fact table), not from a name: a DBA's
    table called like a batch partition in the schema is someone else's, refused and kept."""
    with pg_server.connect(loaded_a) as c:
        c.execute("CREATE TABLE wordviews.fact_wordviews_b2024 (x int); "
                  "INSERT INTO wordviews.fact_wordviews_b2024 VALUES (42)")
    proc = load(run_wv, pg_server, loaded_a, outputs["b"]["dir"], check=False)
    assert proc.returncode == 5 and "fact_wordviews_b2024" in proc.stderr, proc.stderr
    with pg_server.connect(loaded_a) as c:
        assert c.execute("SELECT x FROM wordviews.fact_wordviews_b2024").fetchone()[0] == 42
        c.execute("DROP TABLE wordviews.fact_wordviews_b2024")
    assert_unchanged(pg_server, loaded_a, outputs)


def test_a_second_load_at_the_same_time_fails_at_once(outputs, pg_server, run_wv, loaded_a):
    with pg_server.connect(loaded_a) as c:
        c.execute("SELECT pg_advisory_lock(%s, hashtext('wordviews'))", (0x77766c64,))
        proc = load(run_wv, pg_server, loaded_a, outputs["b"]["dir"], check=False)
    assert proc.returncode == 5 and "another wordviews load" in proc.stderr
    assert_unchanged(pg_server, loaded_a, outputs)


def test_an_analyst_holding_the_tables_past_the_lock_timeout_fails_the_swap_and_changes_nothing(
        outputs, pg_server, run_wv, loaded_a):
    """The swap backs off, again and again, from a transaction reading the current version; once
    --lock-timeout has passed it gives up (exit 5, saying so), and the analyst's transaction, the
    current version and the schemas are as they were. When the analyst is gone, a load swaps."""
    analyst = psycopg.connect(pg_server.conninfo(dbname=loaded_a))
    try:
        analyst.execute("SELECT count(*) FROM wordviews.dim_users").fetchone()  # holds its lock
        proc = load(run_wv, pg_server, loaded_a, outputs["b"]["dir"], "--lock-timeout", 2,
                    "--quiet", check=False)
        assert proc.returncode == 5, proc.stderr
        assert "--lock-timeout" in proc.stderr and "previous version is unchanged" in proc.stderr
        attempts = int(proc.stderr.split(" attempts")[0].rsplit(" ", 1)[1])
        assert attempts >= 2, proc.stderr  # it retried rather than waiting once
        # The analyst's transaction was never cancelled and still reads the current version.
        assert analyst.execute("SELECT count(*) FROM wordviews.fact_wordviews").fetchone()[0] == \
            outputs["a"]["rows"]["fact_wordviews"]
    finally:
        analyst.close()
    assert_unchanged(pg_server, loaded_a, outputs)  # and no staging schema left
    load(run_wv, pg_server, loaded_a, outputs["b"]["dir"], "--lock-timeout", 2, "--quiet")
    assert run_id_of(pg_server, loaded_a) == outputs["b"]["run_id"]


def test_options_from_environment_and_config_file(outputs, pg_server, run_wv, db, tmp_path):
    env = dict(os.environ, WV_LOAD_POSTGRES=pg_server.conninfo(dbname=db),
               WV_LOAD_SCHEMA="from_env")
    run_wv("load", outputs["b"]["dir"], "--quiet", env=env)
    config = tmp_path / "wv.toml"
    config.write_text(f'[load]\nschema = "from_file"\njobs = 1\npostgres = '
                      f'"{pg_server.conninfo(dbname=db)}"\n')
    run_wv("--config", config, "load", outputs["b"]["dir"], "--quiet")
    assert schemas(pg_server, db) == {"public", "from_env", "from_file"}


# ----------------------------------------------------------------- kills and concurrent readers


def kill_load_at(phase, args):
    """Runs `wordviews load` (args) and SIGKILLs it as it announces `phase` on stderr."""
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if line.strip() == f"wordviews load: {phase}":
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, f"the load ended before '{phase}'"


@pytest.mark.parametrize("phase", ["copying", "building primary keys and indexes",
                                   "checking foreign keys", "writing summary tables",
                                   "swapping in the new version"])
def test_killed_load_leaves_the_old_version_and_the_next_load_cleans_up(
        outputs, pg_server, wv_bin, run_wv, loaded_a, phase):
    kill_load_at(phase, [wv_bin, "load", str(outputs["b"]["dir"]), "--postgres",
                         pg_server.conninfo(dbname=loaded_a)])
    # Whichever version is there is complete and queryable: the old one unless
    # the kill came after the swap's commit.
    current = run_id_of(pg_server, loaded_a)
    which = "a" if current == outputs["a"]["run_id"] else "b"
    if phase != "swapping in the new version":
        assert which == "a"
    with pg_server.connect(loaded_a) as c:
        for table, rows in outputs[which]["rows"].items():
            assert c.execute(f"SELECT count(*) FROM wordviews.{table}").fetchone()[0] == rows
        assert c.execute("SELECT sum(views) FROM wordviews.pairs").fetchone()[0] == \
            outputs[which]["rows"]["fact_wordviews"]
    load(run_wv, pg_server, loaded_a, outputs["b"]["dir"], "--force")
    assert run_id_of(pg_server, loaded_a) == outputs["b"]["run_id"]
    assert schemas(pg_server, loaded_a) == {"public", "wordviews"}
    with pg_server.connect(loaded_a) as c:
        assert c.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name "
                         "LIKE 'wordviews load%'").fetchone()[0] == 0


async def _reader(conninfo, views, expected, done, results):
    conn = await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
    try:
        n = 0
        extra = 0
        # Until three answers after the reload ended (bounded, and paced so that
        # 100 sessions leave the loader some of the two cores).
        while n < 5000 and extra < 3:
            name = views[n % len(views)]
            n += 1
            if done.is_set():
                extra += 1
            await asyncio.sleep(0.02)
            try:
                cur = await conn.execute(f"SELECT * FROM wordviews.{name}")
                rows = await cur.fetchall()
            except Exception as e:  # noqa: BLE001  (every error is a failure of the test)
                results["errors"].append(repr(e))
                continue
            columns = [d.name for d in cur.description]
            got = [dict(zip(columns, r)) for r in rows]
            for version, want in expected.items():
                if len(got) == len(want[name]) and all(
                        close(g[c], w[c]) for g, w in zip(got, want[name]) for c in columns):
                    results[version] += 1
                    break
            else:
                results["neither"].append(name)
    finally:
        await conn.close()


def view_answers(pg_server, db, schema="wordviews"):
    answers = {}
    with pg_server.connect(db) as c:
        for name in VIEWS:
            v = name.replace("-", "_")
            cur = c.execute(sql.SQL("SELECT * FROM {}.{}").format(sql.Identifier(schema),
                                                                  sql.Identifier(v)))
            columns = [d.name for d in cur.description]
            answers[v] = [dict(zip(columns, r)) for r in cur.fetchall()]
    return answers


def test_reload_under_100_concurrent_analysts(outputs, pg_server, wv_bin, run_wv, loaded_a):
    expected = {"a": view_answers(pg_server, loaded_a)}
    load(run_wv, pg_server, loaded_a, outputs["b"]["dir"], "--schema", "expect_b", "--quiet")
    expected["b"] = view_answers(pg_server, loaded_a, "expect_b")
    views = [v.replace("-", "_") for v in VIEWS]
    conninfo = pg_server.conninfo(dbname=loaded_a)
    results = {"a": 0, "b": 0, "errors": [], "neither": []}

    async def main():
        done = asyncio.Event()
        readers = [asyncio.create_task(
            _reader(conninfo, views[i % 9:] + views[:i % 9], expected, done, results))
            for i in range(100)]
        await asyncio.sleep(1.0)  # every session connected and reading
        proc = await asyncio.create_subprocess_exec(
            wv_bin, "load", str(outputs["b"]["dir"]), "--postgres", conninfo, "--quiet",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await proc.communicate()
        done.set()
        await asyncio.gather(*readers)
        return proc.returncode, err.decode()

    code, err = asyncio.run(main())
    assert code == 0, err
    assert results["errors"] == [] and results["neither"] == []
    assert results["a"] > 0 and results["b"] >= 100 * 3  # every session read the new version
    assert run_id_of(pg_server, loaded_a) == outputs["b"]["run_id"]


def fact_indexes(conn, column):
    """The fact table's index on `column`, on the parent and on every leaf (PostgreSQL's
    catalog: the leaves' indexes are partitions of the parent's)."""
    parent = conn.execute(
        "SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_attribute a ON "
        "a.attrelid = i.indrelid AND a.attnum = i.indkey[0] WHERE i.indrelid = "
        "'wordviews.fact_wordviews'::regclass AND a.attname = %s", (column,)).fetchall()
    leaves = conn.execute(
        "SELECT t.relid::regclass::text, count(i.indexrelid) FROM "
        "pg_partition_tree('wordviews.fact_wordviews') t LEFT JOIN pg_index i ON "
        "i.indrelid = t.relid AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = "
        "i.indrelid AND a.attnum = i.indkey[0] AND a.attname = %s) WHERE t.isleaf GROUP BY 1 "
        "ORDER BY 1", (column,)).fetchall()
    return [r[0] for r in parent], leaves


def test_index_user_id_builds_the_btree_and_a_reload_follows_the_option(outputs, pg_server,
                                                                         run_wv, db):
    """--index user_id: a btree on the fact table and on each leaf, which the planner uses for
    one user's views; the same run loaded again without it is not a no-op (the schema has other
    indexes than asked for): it is loaded again without the index; a third time is a no-op."""
    out = outputs["a"]["dir"]
    load(run_wv, pg_server, db, out, "--index", "user_id")
    with pg_server.connect(db) as c:
        parent, leaves = fact_indexes(c, "user_id")
        assert parent == ["wordviews.fact_wordviews_user_id_idx"]
        assert leaves and all(n == 1 for _, n in leaves), leaves
        user = c.execute("SELECT user_id FROM wordviews.dim_users LIMIT 1").fetchone()[0]
        plan = "\n".join(r[0] for r in c.execute(
            "EXPLAIN SELECT count(*) FROM wordviews.fact_wordviews WHERE user_id = %s", (user,)))
        assert "user_id_idx" in plan, plan
        views = c.execute("SELECT count(*) FROM wordviews.fact_wordviews WHERE user_id = %s",
                          (user,)).fetchone()[0]
        assert views == c.execute("SELECT views FROM wordviews.dim_users WHERE user_id = %s",
                                  (user,)).fetchone()[0]
    again = load(run_wv, pg_server, db, out)
    assert "other optional indexes" in again.stderr and "nothing to do" not in again.stdout
    with pg_server.connect(db) as c:
        parent, leaves = fact_indexes(c, "user_id")
        assert parent == [] and all(n == 0 for _, n in leaves), (parent, leaves)
    third = load(run_wv, pg_server, db, out)
    assert "nothing to do" in third.stdout, third.stdout
