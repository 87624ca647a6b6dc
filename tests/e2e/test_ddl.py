"""`wordviews ddl`: the Redshift script parsed by an independent parser (sqlglot's Redshift
dialect), the PostgreSQL script executed by a real server and compared with what `load` builds."""
import json
import uuid

import psycopg
import pyarrow.parquet as pq
import pytest
import sqlglot
from sqlglot import exp

from postgres_server import pg_server  # noqa: F401  (fixture)

TABLES = ["fact_wordviews", "dim_users", "dim_times", "dim_langs", "dim_words", "quarantine"]
VIEWS = ["pairs", "pair_users", "pair_views", "time_of_day", "retention_pairs", "retention_ui",
         "forgetting_curve", "hardest_words", "recall_by_pos"]
PREFIX = "s3://wv-bucket/published/out"
ROLE = "arn:aws:iam::123456789012:role/wordviews-copy"


@pytest.fixture(scope="module")
def output(tmp_path_factory, wv):
    d = tmp_path_factory.mktemp("ddl")
    wv("generate", "--rows", 6000, "--seed", 4, "--dirty-rate", 0.02, "--out", d / "t.csv", "-q")
    wv("run", "--traces", d / "t.csv", "--out", d / "out", "--quiet")
    return d / "out"


@pytest.fixture(scope="module")
def redshift(run_wv, output):
    text = run_wv("ddl", "--dialect", "redshift", "--s3-prefix", PREFIX + "/", "--iam-role", ROLE,
                  "--summaries-from", output).stdout
    return text, sqlglot.parse(text, read="redshift", error_level=sqlglot.ErrorLevel.RAISE)


def name_of(table_expr):
    return table_expr.name if isinstance(table_expr, exp.Table) else table_expr.this.name


def test_every_redshift_statement_parses_as_redshift_sql(redshift, run_wv):
    _, statements = redshift
    kinds = [type(s).__name__ for s in statements if s is not None]
    # No statement fell back to an unparsed command.
    assert "Command" not in kinds
    creates = [s for s in statements if isinstance(s, exp.Create)]
    # One summary table per query (load's ComputeSummaries), as `query --list` names them.
    queries = [line.split()[0] for line in run_wv("query", "--list").stdout.splitlines()
               if line.startswith("  ")]
    summaries = sorted(n for n in (name_of(c.this) for c in creates) if n.startswith("summary_"))
    assert summaries == sorted("summary_" + q.replace("-", "_") for q in queries)
    assert [c.kind for c in creates].count("TABLE") == len(TABLES) + len(queries)
    assert sorted(c.this.name for c in creates if c.kind == "VIEW") == sorted(VIEWS)


def test_redshift_tables_keys_and_layout(redshift, output):
    _, statements = redshift
    tables = {name_of(s.this): s for s in statements
              if isinstance(s, exp.Create) and s.kind == "TABLE"}
    for t in TABLES:
        create = tables[t]
        columns = [c.name for c in create.this.expressions if isinstance(c, exp.ColumnDef)]
        # COPY ... FORMAT AS PARQUET maps columns by position: the files' order.
        files = sorted((output / t).rglob("*.parquet"))
        assert columns == pq.read_schema(files[0]).names, t
        constraints = [e for e in create.this.expressions if not isinstance(e, exp.ColumnDef)]
        assert sum(isinstance(e, exp.PrimaryKey) for e in constraints) == 1, t
        fks = [e for e in constraints if isinstance(e, exp.ForeignKey)]
        assert len(fks) == (5 if t == "fact_wordviews" else 0), t
        props = {type(p).__name__: p for p in create.args["properties"].expressions}
        if t == "fact_wordviews":
            assert props["DistKeyProperty"].this.name == "user_id"
            assert [i.name for i in props["SortKeyProperty"].this] == ["timestamp"]
        elif t == "quarantine":
            assert props["DistStyleProperty"].this.name == "EVEN"
        else:
            assert props["DistStyleProperty"].this.name == "ALL"


def test_redshift_copy_reads_each_tables_manifest_with_the_role(redshift):
    _, statements = redshift
    copies = [s for s in statements if isinstance(s, exp.Copy)]
    assert sorted(name_of(c.this) for c in copies) == sorted(TABLES)
    for c in copies:
        t = name_of(c.this)
        assert [f.this for f in c.args["files"]] == [f"{PREFIX}/{t}.manifest"]
        assert c.args["credentials"].args["iam_role"].this == ROLE
        params = {p.this.name: p.expression for p in c.args["params"]}
        assert params["FORMAT"].name == "PARQUET" and "MANIFEST" in params


def test_redshift_comments_cover_every_column(redshift, output):
    _, statements = redshift
    commented = {(s.this.sql(), s.args.get("kind")) for s in statements
                 if isinstance(s, exp.Comment)}
    for t in TABLES:
        files = sorted((output / t).rglob("*.parquet"))
        for column in pq.read_schema(files[0]).names:
            assert (f'"wordviews"."{t}"."{column}"', "COLUMN") in commented, (t, column)


def test_redshift_without_a_prefix_has_no_copy_and_default_role(run_wv):
    text = run_wv("ddl", "--dialect", "redshift").stdout
    assert "COPY " not in text
    text = run_wv("ddl", "--dialect", "redshift", "--s3-prefix", PREFIX).stdout
    assert "IAM_ROLE default" in text


@pytest.mark.parametrize("args", [["--dialect", "postgres", "--s3-prefix", PREFIX],
                                  ["--dialect", "redshift", "--iam-role", ROLE],
                                  ["--dialect", "redshift", "--s3-prefix", "/local/path"],
                                  ["--dialect", "mysql"], ["--schema", "pg_x"]])
def test_ddl_usage_errors(run_wv, args):
    assert run_wv("ddl", *args, check=False).returncode == 2


def catalog(conn, schema):
    """Columns, constraints and indexes of `schema`, less load's own tables (load_metadata and
    the state load --append reads: load_batches, load_files) and the fact table's partitions
    (one per load, bounded by the loaded input files: the script cannot know them)."""
    columns = conn.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name NOT LIKE 'load\\_%%' "
        "AND table_name NOT LIKE 'fact\\_wordviews\\_b%%' "
        "ORDER BY table_name, ordinal_position", (schema,)).fetchall()
    constraints = conn.execute(
        "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE connamespace = %s::regnamespace "
        "AND conrelid::regclass::text NOT LIKE '%%load\\_%%' "
        "AND conrelid::regclass::text NOT LIKE '%%fact\\_wordviews\\_b%%' ORDER BY 1, 2",
        (schema,)).fetchall()
    indexes = conn.execute("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = %s "
                           "AND tablename NOT LIKE 'load\\_%%' "
                           "AND tablename NOT LIKE 'fact\\_wordviews\\_b%%' ORDER BY 1, 2",
                           (schema,)).fetchall()
    strip = lambda v: v.replace(f"{schema}.", "")  # noqa: E731
    return (columns, [tuple(strip(x) for x in c) for c in constraints], indexes)


@pytest.mark.parametrize("index", [[], ["--index", "user_id"]])
def test_postgres_ddl_executes_and_matches_what_load_builds(run_wv, wv, pg_server, output, index):
    db = pg_server.create_database("ddl_" + uuid.uuid4().hex[:8])
    script = run_wv("ddl", "--dialect", "postgres", "--schema", "from_ddl",
                    "--summaries-from", output, *index).stdout
    assert ("user_id_idx" in script) == bool(index)
    with pg_server.connect(db) as c:
        c.execute(script)
    run_wv("load", output, "--postgres", pg_server.conninfo(dbname=db), "--schema", "loaded",
           "--quiet", *index)
    with pg_server.connect(db) as c:
        assert catalog(c, "from_ddl") == catalog(c, "loaded")
        # The summary tables' rows from the script are the query's answers.
        for name in ["retention-pairs", "time-of-day-test"]:
            expected = json.loads(wv("query", output, name, "--format", "json").stdout)
            cur = c.execute(f"SELECT * FROM from_ddl.summary_{name.replace('-', '_')}")
            columns = [d.name for d in cur.description]
            rows = [dict(zip(columns, r)) for r in cur.fetchall()]
            assert rows == expected["rows"]
        # The views run on the script's (empty) tables.
        for v in VIEWS:
            c.execute(f"SELECT * FROM from_ddl.{v}").fetchall()
        with pytest.raises(psycopg.errors.UniqueViolation):
            c.execute("INSERT INTO from_ddl.dim_langs (alpha2_code) VALUES ('en'), ('en')")
