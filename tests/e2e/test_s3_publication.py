"""Publishing the star schema to S3 (`run --out s3://...`) and reading it back (`check`, `query`,
`report` with an s3:// DIR), against a real versitygw the tests start, with boto3 and pyarrow as the
independent readers and the tests' own fault proxy (s3_fault_proxy.py) between wordviews and the server.
"""
import io
import json
import signal
import subprocess
import time

import pyarrow.parquet as pq
import pytest

from s3_server import list_keys, open_uploads

TABLES = ["dim_langs", "dim_times", "dim_users", "dim_words", "fact_wordviews", "quarantine"]
ROWS = 20_000


@pytest.fixture(scope="module")
def traces(tmp_path_factory, wv_bin):
    path = tmp_path_factory.mktemp("s3traces") / "traces.csv"
    subprocess.run([wv_bin, "generate", "--rows", str(ROWS), "--out", str(path), "--dirty-rate", "0.01",
                    "--seed", "7"], check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def local_run(tmp_path_factory, wv_bin, traces):
    """The same job published to a local folder: what the S3 output must equal."""
    out = tmp_path_factory.mktemp("s3local") / "out"
    subprocess.run([wv_bin, "run", "--traces", str(traces), "--out", str(out), "--quiet"], check=True,
                   capture_output=True)
    return out


def wordviews(wv_bin, env, *args, timeout=300):
    return subprocess.run([wv_bin, *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=timeout)


def run_to_s3(wv_bin, env, traces, url, *extra):
    return wordviews(wv_bin, env, "run", "--traces", traces, "--out", url, "--quiet", *extra)


def manifest_of(s3, bucket, prefix):
    return json.loads(s3.get_object(Bucket=bucket, Key=f"{prefix}/_manifest.json")["Body"].read())


def version_keys(s3, bucket, prefix):
    """Every key the current version owns: its files and its Redshift manifests."""
    manifest = manifest_of(s3, bucket, prefix)
    keys = {f"{prefix}/_manifest.json"}
    for table, record in manifest["tables"].items():
        keys.update(f"{prefix}/{f['path']}" for f in record["files"])
        keys.add(f"{prefix}/{table}-{manifest['run_id']}.manifest")
    return keys


def s3_tables(s3, bucket, prefix):
    """Each table as pyarrow reads the objects the manifest lists, in its order (boto3 GETs)."""
    manifest = manifest_of(s3, bucket, prefix)
    tables = {}
    for name, record in manifest["tables"].items():
        rows = []
        for f in record["files"]:
            body = s3.get_object(Bucket=bucket, Key=f"{prefix}/{f['path']}")["Body"].read()
            assert len(body) == f["bytes"]
            rows += pq.read_table(io.BytesIO(body)).to_pylist()
        tables[name] = rows
    return tables


def local_tables(out):
    manifest = json.loads((out / "_manifest.json").read_text())
    return {name: [row for f in record["files"] for row in pq.read_table(out / f["path"]).to_pylist()]
            for name, record in manifest["tables"].items()}


def assert_same_as_local(s3, bucket, prefix, local_run):
    got, want = s3_tables(s3, bucket, prefix), local_tables(local_run)
    assert sorted(got) == TABLES == sorted(want)
    # Every fact and quarantine row carries its run's id (batch_id): the two runs' differ.
    drop = lambda rows: [{k: v for k, v in r.items() if k != "batch_id"} for r in rows]
    for name in TABLES:
        assert len(got[name]) == len(want[name]), name
        assert drop(got[name]) == drop(want[name]), name


def test_star_schema_on_s3_equals_the_local_run(wv_bin, s3, s3_bucket, s3_env, traces, local_run):
    proc = run_to_s3(wv_bin, s3_env, traces, f"s3://{s3_bucket}/out")
    assert proc.returncode == 0, proc.stderr
    assert_same_as_local(s3, s3_bucket, "out", local_run)

    manifest = manifest_of(s3, s3_bucket, "out")
    run_id = manifest["run_id"]
    for table, record in manifest["tables"].items():
        for f in record["files"]:  # Spark-style names: the version in every part's name
            assert f["path"].startswith(f"{table}/") and f["path"].endswith(f"-{run_id}.parquet")
        # The Redshift COPY manifest lists exactly the committed objects, with their sizes.
        copy = json.loads(s3.get_object(Bucket=s3_bucket,
                                        Key=f"out/{table}-{run_id}.manifest")["Body"].read())
        listed = {e["url"]: e["meta"]["content_length"] for e in copy["entries"]}
        assert all(e["mandatory"] for e in copy["entries"])
        assert listed == {f"s3://{s3_bucket}/out/{f['path']}":
                          s3.head_object(Bucket=s3_bucket, Key=f"out/{f['path']}")["ContentLength"]
                          for f in record["files"]}
    assert set(list_keys(s3, s3_bucket)) == version_keys(s3, s3_bucket, "out")
    assert open_uploads(s3, s3_bucket) == []

    check = wordviews(wv_bin, s3_env, "check", f"s3://{s3_bucket}/out")
    assert check.returncode == 0, check.stdout + check.stderr
    for query in ["pairs", "retention-ui"]:
        remote = wordviews(wv_bin, s3_env, "query", f"s3://{s3_bucket}/out", query, "--format", "csv")
        here = wordviews(wv_bin, s3_env, "query", local_run, query, "--format", "csv")
        assert remote.returncode == 0, remote.stderr
        assert remote.stdout == here.stdout

    report = wordviews(wv_bin, s3_env, "report", f"s3://{s3_bucket}/out", "-o",
                       f"s3://{s3_bucket}/reports/r.html")
    assert report.returncode == 0, report.stderr
    html = s3.get_object(Bucket=s3_bucket, Key="reports/r.html")
    body = html["Body"].read().decode()
    assert html["ContentType"].startswith("text/html") and "<svg" in body
    # The dashboard's freshness names the S3 output's run; check --max-age reads the same.
    m = manifest_of(s3, s3_bucket, "out")
    assert f'<dd data-field="batch">{m["run_id"]}</dd>' in body
    assert body.count('class="chart trend"') == 4
    stale = wordviews(wv_bin, dict(s3_env, WV_NOW="2099-01-01T00:00:00Z"), "check",
                      f"s3://{s3_bucket}/out", "--max-age", "24")
    assert stale.returncode == 9, stale.stderr
    assert f"newest batch {m['run_id']} at {m['created_at']}" in stale.stderr


def test_republish_keeps_the_old_version_for_the_grace_period(wv_bin, s3, s3_bucket, s3_env, traces,
                                                             local_run):
    url = f"s3://{s3_bucket}/out"
    assert run_to_s3(wv_bin, s3_env, traces, url).returncode == 0
    first = version_keys(s3, s3_bucket, "out")
    first_manifest = manifest_of(s3, s3_bucket, "out")

    assert run_to_s3(wv_bin, s3_env, traces, url).returncode == 0
    second = version_keys(s3, s3_bucket, "out")
    assert first.isdisjoint(second - {"out/_manifest.json"})
    # A reader that started from the first manifest still finds every object it lists, whole.
    keys = set(list_keys(s3, s3_bucket))
    assert first <= keys and second <= keys
    for record in first_manifest["tables"].values():
        for f in record["files"]:
            assert s3.head_object(Bucket=s3_bucket, Key=f"out/{f['path']}")["ContentLength"] == f["bytes"]
    assert_same_as_local(s3, s3_bucket, "out", local_run)
    assert wordviews(wv_bin, s3_env, "check", url).returncode == 0

    # Once the grace period has passed (0 here), a run removes every earlier version.
    third_run = run_to_s3(wv_bin, s3_env, traces, url, "--s3-grace", "0")
    assert third_run.returncode == 0, third_run.stderr
    assert set(list_keys(s3, s3_bucket)) == version_keys(s3, s3_bucket, "out")
    assert open_uploads(s3, s3_bucket) == []
    assert wordviews(wv_bin, s3_env, "check", url).returncode == 0


def test_a_concurrent_second_writer_loses_cleanly(wv_bin, s3_server, s3, s3_bucket, s3_env, s3_proxy,
                                                 traces, tmp_path):
    """Both republish version 0. A holds its manifest write (the proxy stalls it) while B publishes:
    A's write (If-Match the ETag of version 0) is refused, A removes its own objects and fails with
    exit 5; B's output is intact and is the current version."""
    url = f"s3://{s3_bucket}/out"
    assert run_to_s3(wv_bin, s3_env, traces, url).returncode == 0
    version0 = version_keys(s3, s3_bucket, "out") - {"out/_manifest.json"}
    held = s3_proxy.add("stall_request", method="PUT", key=r"^out/_manifest\.json$", seconds=4)
    writer_a = subprocess.Popen([wv_bin, "run", "--traces", traces, "--out", url, "--quiet"],
                                env=s3_server.wordviews_env(endpoint=s3_proxy.endpoint, home=tmp_path),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while held.matched == 0 and writer_a.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert held.matched == 1
    writer_b = run_to_s3(wv_bin, s3_env, traces, url)
    assert writer_b.returncode == 0, writer_b.stderr
    _, err = writer_a.communicate(timeout=120)
    assert writer_a.returncode == 5, err
    assert "another run published" in err
    # B's version and version 0 (kept for the grace period); nothing of A's.
    assert set(list_keys(s3, s3_bucket)) == version_keys(s3, s3_bucket, "out") | version0
    assert open_uploads(s3, s3_bucket) == []
    assert wordviews(wv_bin, s3_env, "check", url).returncode == 0


FAULTS = {
    "503 SlowDown on part uploads": [dict(action="error", method="PUT", query="partNumber", status=503,
                                          nth=2, times=3)],
    "500 on completions and a 429": [dict(action="error", method="POST", query="uploadId", status=500,
                                          nth=1, times=2),
                                     dict(action="error", method="PUT", query="partNumber", status=429)],
    "cut requests and responses": [dict(action="cut_request", method="PUT", query="partNumber",
                                        after_bytes=1000, nth=3),
                                   dict(action="cut_response", method="POST", query="uploads",
                                        after_bytes=20, nth=2)],
    "a stalled part and a reset": [dict(action="stall_response", method="PUT", query="partNumber",
                                        after_bytes=None, seconds=2, nth=4),
                                   dict(action="drop", method="PUT", query="partNumber", nth=6,
                                        reset=True)],
}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_faults_during_publication_leave_the_same_output(name, wv_bin, s3_server, s3, s3_bucket,
                                                         s3_proxy, traces, local_run, tmp_path):
    rules = [s3_proxy.add(**rule) for rule in FAULTS[name]]
    env = s3_server.wordviews_env(endpoint=s3_proxy.endpoint, home=tmp_path)
    proc = run_to_s3(wv_bin, env, traces, f"s3://{s3_bucket}/out")
    assert proc.returncode == 0, proc.stderr
    assert all(rule.fired >= 1 for rule in rules), [(r.action, r.matched, r.fired) for r in rules]
    assert_same_as_local(s3, s3_bucket, "out", local_run)
    assert open_uploads(s3, s3_bucket) == []
    assert set(list_keys(s3, s3_bucket)) == version_keys(s3, s3_bucket, "out")


def test_faults_while_reading_back(wv_bin, s3_server, s3, s3_bucket, s3_env, s3_proxy, traces, tmp_path):
    assert run_to_s3(wv_bin, s3_env, traces, f"s3://{s3_bucket}/out").returncode == 0
    s3_proxy.add("cut_response", method="GET", key=r"fact_wordviews/", after_bytes=500, nth=1, times=3)
    s3_proxy.add("error", method="GET", key=r"_manifest\.json$", status=503)
    s3_proxy.add("stall_response", method="GET", key=r"dim_words/", after_bytes=100, seconds=2)
    env = s3_server.wordviews_env(endpoint=s3_proxy.endpoint, home=tmp_path)
    check = wordviews(wv_bin, env, "check", f"s3://{s3_bucket}/out")
    assert check.returncode == 0, check.stdout + check.stderr
    assert s3_proxy.faults >= 5


def test_a_prefix_that_is_not_ours_is_refused_untouched(wv_bin, s3, s3_bucket, s3_env, traces):
    s3.put_object(Bucket=s3_bucket, Key="data/notes.txt", Body=b"someone else's")
    s3.put_object(Bucket=s3_bucket, Key="other/_manifest.json", Body=b'{"not": "ours"}')
    for prefix in ["data", "other"]:
        proc = run_to_s3(wv_bin, s3_env, traces, f"s3://{s3_bucket}/{prefix}")
        assert proc.returncode == 5, proc.stderr
        assert "not a wordviews output" in proc.stderr
    assert list_keys(s3, s3_bucket) == ["data/notes.txt", "other/_manifest.json"]
    assert open_uploads(s3, s3_bucket) == []


def test_access_errors_are_one_line_with_distinct_codes_and_no_secret(wv_bin, s3_server, s3, s3_bucket,
                                                                      s3_env, traces, tmp_path):
    url = f"s3://{s3_bucket}/out"
    assert run_to_s3(wv_bin, s3_env, traces, url).returncode == 0
    before = set(list_keys(s3, s3_bucket))
    from s3_server import free_loopback_port

    cases = {
        "wrong secret": dict(s3_env, AWS_SECRET_ACCESS_KEY=s3_server.wrong_secret_key),
        "unknown key": dict(s3_env, AWS_ACCESS_KEY_ID="AKIAUNKNOWNUNKNOWN00"),
        "unreachable": dict(s3_env, AWS_ENDPOINT_URL_S3=f"http://127.0.0.1:{free_loopback_port()}"),
    }
    for name, env in cases.items():
        out = run_to_s3(wv_bin, env, traces, url)
        read = wordviews(wv_bin, env, "check", url)
        assert (out.returncode, read.returncode) == (5, 3), (name, out.stderr, read.stderr)
        for proc in (out, read):
            assert s3_server.secret_key not in proc.stdout + proc.stderr
            assert env["AWS_SECRET_ACCESS_KEY"] not in proc.stdout + proc.stderr
            assert len(proc.stderr.strip().splitlines()) == 1, (name, proc.stderr)
    missing = run_to_s3(wv_bin, s3_env, traces, "s3://no-such-bucket-here/out")
    assert missing.returncode == 5 and "bucket" in missing.stderr.lower(), missing.stderr
    assert wordviews(wv_bin, s3_env, "check", "s3://no-such-bucket-here/out").returncode == 3
    assert set(list_keys(s3, s3_bucket)) == before  # the previous output intact
    assert wordviews(wv_bin, s3_env, "check", url).returncode == 0


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_run_killed_during_upload_leaves_the_previous_version(how, wv_bin, s3_server, s3, s3_bucket,
                                                               s3_env, s3_proxy, traces, local_run,
                                                               tmp_path):
    url = f"s3://{s3_bucket}/out"
    assert run_to_s3(wv_bin, s3_env, traces, url).returncode == 0
    previous = version_keys(s3, s3_bucket, "out")
    held = s3_proxy.add("stall_request", method="PUT", query="partNumber", nth=5, seconds=60)
    victim = subprocess.Popen([wv_bin, "run", "--traces", traces, "--out", url, "--quiet"],
                              env=s3_server.wordviews_env(endpoint=s3_proxy.endpoint, home=tmp_path),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while held.fired == 0 and victim.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert held.fired == 1 and victim.poll() is None
    assert open_uploads(s3, s3_bucket) != []  # it was uploading
    victim.send_signal(how)
    victim.communicate(timeout=120)
    assert victim.returncode == -how
    assert version_keys(s3, s3_bucket, "out") == previous
    if how == signal.SIGTERM:  # aborted its own uploads before dying
        assert open_uploads(s3, s3_bucket) == []
    assert wordviews(wv_bin, s3_env, "check", url).returncode == 0
    assert_same_as_local(s3, s3_bucket, "out", local_run)

    # The next run succeeds and leaves no stale upload or object (grace 0: all are stale now).
    after = run_to_s3(wv_bin, s3_env, traces, url, "--s3-grace", "0")
    assert after.returncode == 0, after.stderr
    assert open_uploads(s3, s3_bucket) == []
    assert set(list_keys(s3, s3_bucket)) == version_keys(s3, s3_bucket, "out")
    assert wordviews(wv_bin, s3_env, "check", url).returncode == 0
