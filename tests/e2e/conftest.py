"""Shared fixtures for the end-to-end tests: the wordviews binary and ways to run it,
and helpers the test files share (import them: `from conftest import snapshot`)."""
import json
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
REPO_ROOT = REPO


@pytest.fixture(scope="session")
def wv_bin():
    """Path of the wordviews binary: $WV_BIN, else build/bin/wordviews."""
    path = pathlib.Path(os.environ.get("WV_BIN", REPO / "build" / "bin" / "wordviews")).resolve()
    if not path.exists():
        pytest.fail(f"wordviews binary not found at {path}; run `make build` or set WV_BIN")
    return str(path)


def _runner(wv_bin, text):
    def run(*args, check=True, **kwargs):
        proc = subprocess.run([wv_bin, *map(str, args)], capture_output=True, text=text, **kwargs)
        if check and proc.returncode != 0:
            out, err = proc.stdout, proc.stderr
            if not text:
                out, err = out.decode(errors="replace"), err.decode(errors="replace")
            raise AssertionError(f"wordviews {' '.join(map(str, args))} exited "
                                 f"{proc.returncode}\nstdout: {out}\nstderr: {err}")
        return proc

    return run


@pytest.fixture(scope="session")
def run_wv(wv_bin):
    """run_wv(*args, check=True) runs the binary; returns the CompletedProcess (text mode)."""
    return _runner(wv_bin, text=True)


@pytest.fixture(scope="session")
def wv(wv_bin):
    """wv(*args, check=True) runs the binary; returns the CompletedProcess (bytes)."""
    return _runner(wv_bin, text=False)


def manifest(out):
    """The parsed _manifest.json of output folder `out`."""
    return json.loads((pathlib.Path(out) / "_manifest.json").read_text())


def snapshot(root):
    """Every entry under `root` (not following links): what a command that must
    not change the folder is compared against. A file by size and mtime, a folder
    by mtime (an entry added or removed, even briefly), a link by its target."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                out[rel] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                out[rel] = ("dir", st.st_mtime_ns)
            else:
                out[rel] = ("file", st.st_size, st.st_mtime_ns)
    return out


# ---- S3: a real server (versitygw) on loopback, started once per test session (per xdist worker) ----

@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A running versitygw (s3_server.S3Server): endpoint, access_key, secret_key, region, client().

    Without the binary the S3 tests are skipped, or fail when WV_REQUIRE_S3=1 (as `make test` sets):
    CI must not pass by skipping them. `make setup` builds it."""
    from s3_server import S3Server, versitygw_path

    binary = versitygw_path()
    if not binary.is_file():
        message = f"versitygw not found at {binary}; run `make setup` (or set WV_VERSITYGW)"
        if os.environ.get("WV_REQUIRE_S3") == "1":
            pytest.fail(message)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("s3")
    server = S3Server(binary, root / "data", root / "versitygw.log").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3(s3_server):
    """A boto3 S3 client of the test server (path-style, us-east-1, no retries)."""
    return s3_server.client()


@pytest.fixture
def s3_bucket(s3):
    """A fresh, empty bucket, removed with what it holds after the test."""
    import uuid

    from s3_server import empty_bucket

    name = f"wv-test-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    yield name
    try:
        empty_bucket(s3, name)
    except Exception:  # cleanup only: the data folder goes with the session anyway
        pass


@pytest.fixture
def s3_env(s3_server, tmp_path):
    """The environment for a `wordviews` subprocess that talks to the test server directly."""
    return s3_server.wordviews_env(home=tmp_path)


@pytest.fixture
def s3_proxy(s3_server):
    """A fault-injecting proxy (s3_fault_proxy.FaultProxy) in front of the test server, for one test;
    `s3_server.wordviews_env(endpoint=s3_proxy.endpoint)` points wordviews at it."""
    from s3_fault_proxy import FaultProxy

    with FaultProxy("127.0.0.1", s3_server.port) as proxy:
        yield proxy


# ---- Spark: a standalone master and worker on loopback, started once per test session ----

@pytest.fixture(scope="session")
def spark_cluster():
    """A running spark_cluster.SparkCluster (two one-core executors); stopped after the session.

    Without pyspark or Java the Spark tests are skipped, or fail when WV_REQUIRE_SPARK=1 (as `make test`
    sets). Mark the tests `pytest.mark.xdist_group("spark")` so that one xdist worker runs them all and
    the session starts one cluster, not one per worker."""
    from spark_cluster import SparkCluster

    cluster = SparkCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def spark(spark_cluster):
    """The SparkSession on the test cluster (UTC session time zone)."""
    return spark_cluster.session()
