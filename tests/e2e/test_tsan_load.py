"""`wordviews load` under ThreadSanitizer (`make tsan-test`): its parallel sessions (the COPY
streams, the index builds, cancellation of the others when one fails) and the summary tables
computed on a thread of their own, with 4 jobs, against the PostgreSQL server the load tests use.
Any TSan report fails (see test_tsan.py); the loaded schema is compared with the Release binary's.

Skipped without WV_TSAN_BIN, like test_tsan.py.
"""
import os
import subprocess

import pytest

from postgres_server import pg_server  # noqa: F401  (fixture)
from test_load import copy_with_damaged_data_pages
from test_tsan import TSAN_OPTIONS, run_tsan, tsan_bin  # noqa: F401  (fixture)

pytestmark = pytest.mark.skipif(not os.environ.get("WV_TSAN_BIN"),
                                reason="WV_TSAN_BIN not set (make tsan-test sets it)")

SUMMARIES = ["summary_pairs", "summary_retention_pairs", "summary_time_of_day_test",
             "summary_hardest_words"]


@pytest.fixture(scope="module")
def output(tmp_path_factory, wv):
    d = tmp_path_factory.mktemp("tsan-load")
    wv("generate", "--rows", 60000, "--dirty-rate", 0.02, "--seed", 3, "--out", d / "t.csv", "-q")
    wv("run", "--traces", d / "t.csv", "--out", d / "out", "--quiet")
    return d / "out"


def test_load_under_tsan_equals_the_release_load(tsan_bin, wv, pg_server, output):
    db = pg_server.create_database("tsan_load")
    conninfo = pg_server.conninfo(dbname=db)
    run_tsan(tsan_bin, "load", output, "--postgres", conninfo, "--jobs", 4, "--schema", "tsan")
    wv("load", output, "--postgres", conninfo, "--schema", "release", "--quiet")
    with pg_server.connect(db) as c:
        for table in ["fact_wordviews", "dim_users", "quarantine"] + SUMMARIES:
            rows = [c.execute(f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) "
                              f"FROM {schema}.{table} t").fetchone()
                    for schema in ("tsan", "release")]
            assert rows[0] == rows[1], table


def test_failing_load_under_tsan_cancels_its_sessions(tsan_bin, pg_server, output, tmp_path):
    damaged = copy_with_damaged_data_pages(output, tmp_path / "out")
    db = pg_server.create_database("tsan_fail")
    env = dict(os.environ, TSAN_OPTIONS=os.environ.get("TSAN_OPTIONS", TSAN_OPTIONS))
    proc = subprocess.run([tsan_bin, "load", str(damaged), "--postgres",
                           pg_server.conninfo(dbname=db), "--jobs", "4"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 6, proc.stderr
    assert "ThreadSanitizer" not in proc.stderr
