"""`wordviews load s3://BUCKET/PREFIX`: an output published to S3 (`run --out s3://...`) loaded into a
real PostgreSQL, against the test S3 server (versitygw) and the test PostgreSQL server.

Oracles: boto3 fetches the objects the S3 manifest lists and pyarrow reads them; psycopg reads the
loaded tables; the two are compared value by value. The S3 access failures are the server's own
refusals (a wrong secret, an unknown key) and a port nothing listens on.
"""
import io
import json
import subprocess
import uuid

import pyarrow.parquet as pq
import pytest

from postgres_server import pg_server  # noqa: F401  (fixture)
from s3_server import free_loopback_port
from test_load import KEYS, assert_rows_match, db_rows, run_id_of, schemas

ROWS = 15_000


def wordviews(wv_bin, env, *args):
    return subprocess.run([wv_bin, *map(str, args)], env=env, capture_output=True, text=True)


@pytest.fixture
def published(wv_bin, s3_env, s3_bucket, tmp_path):
    """An output published to S3 by `run --out s3://...` (with defects, so the quarantine has rows)."""
    traces = tmp_path / "traces.csv"
    subprocess.run([wv_bin, "generate", "--rows", str(ROWS), "--seed", "11", "--dirty-rate", "0.02",
                    "--out", str(traces), "-q"], check=True, capture_output=True)
    url = f"s3://{s3_bucket}/out"
    proc = wordviews(wv_bin, s3_env, "run", "--traces", traces, "--out", url, "--quiet")
    assert proc.returncode == 0, proc.stderr
    return url


def s3_tables(s3, url):
    """Each table's rows as pyarrow reads the objects the S3 manifest lists (boto3 GETs)."""
    bucket, prefix = url[len("s3://"):].split("/", 1)
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=f"{prefix}/_manifest.json")["Body"].read())
    tables = {}
    for name, record in manifest["tables"].items():
        rows = []
        for f in record["files"]:
            body = s3.get_object(Bucket=bucket, Key=f"{prefix}/{f['path']}")["Body"].read()
            rows += pq.read_table(io.BytesIO(body)).to_pylist()
        tables[name] = rows
    return manifest, tables


def test_load_from_s3_equals_the_published_objects(wv_bin, s3, s3_env, published, pg_server):
    db = pg_server.create_database("s3_" + uuid.uuid4().hex[:10])
    proc = wordviews(wv_bin, s3_env, "load", published, "--postgres", pg_server.conninfo(dbname=db))
    assert proc.returncode == 0, proc.stderr
    manifest, tables = s3_tables(s3, published)
    assert manifest["run_id"] in proc.stdout
    assert run_id_of(pg_server, db) == manifest["run_id"]
    assert sorted(tables) == sorted(KEYS)
    with pg_server.connect(db) as c:
        for table, (key, _) in KEYS.items():
            theirs = sorted(tables[table], key=lambda r: tuple(r[k] for k in key))
            ours = db_rows(c, "wordviews", table, key)
            assert len(ours) == manifest["tables"][table]["rows"] > 0, table
            columns = list(theirs[0].keys())
            assert list(ours[0].keys()) == columns
            assert_rows_match(table, ours, theirs, columns, exact=True)
        source = c.execute("SELECT source FROM wordviews.load_metadata").fetchone()[0]
    assert source == published
    # Loading the same S3 output again is a no-op.
    again = wordviews(wv_bin, s3_env, "load", published, "--postgres", pg_server.conninfo(dbname=db))
    assert again.returncode == 0 and "nothing to do" in again.stdout, again.stderr


def test_s3_refusals_have_their_exit_code_print_no_secret_and_change_nothing(
        wv_bin, s3_server, s3_env, published, pg_server):
    db = pg_server.create_database("s3_" + uuid.uuid4().hex[:10])
    conninfo = pg_server.conninfo(dbname=db)
    assert wordviews(wv_bin, s3_env, "load", published, "--postgres", conninfo).returncode == 0
    loaded_run = run_id_of(pg_server, db)
    cases = {
        "wrong secret": dict(s3_env, AWS_SECRET_ACCESS_KEY=s3_server.wrong_secret_key),
        "unknown key": dict(s3_env, AWS_ACCESS_KEY_ID="AKIAUNKNOWNUNKNOWN00"),
        "unreachable": dict(s3_env, AWS_ENDPOINT_URL_S3=f"http://127.0.0.1:{free_loopback_port()}"),
    }
    for name, env in cases.items():
        proc = wordviews(wv_bin, env, "load", published, "--postgres", conninfo, "--force")
        assert proc.returncode == 3, (name, proc.returncode, proc.stderr)
        for secret in (s3_server.secret_key, env["AWS_SECRET_ACCESS_KEY"], pg_server.password):
            assert secret not in proc.stdout + proc.stderr, name
        assert published.split("/")[2] in proc.stderr, (name, proc.stderr)  # names the bucket
    missing = wordviews(wv_bin, s3_env, "load", "s3://no-such-bucket-here/out", "--postgres",
                        conninfo, "--force")
    assert missing.returncode == 3 and "bucket" in missing.stderr.lower(), missing.stderr
    # The warehouse is as it was: the same run, no staging schema.
    assert run_id_of(pg_server, db) == loaded_run
    assert schemas(pg_server, db) == {"public", "wordviews"}
