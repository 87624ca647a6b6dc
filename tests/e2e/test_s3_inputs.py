"""S3 inputs end to end: traces and reference files read from a real S3 server (versitygw, started by the
tests on loopback), through wordviews' own client, give exactly the star schema a local run of the same
files gives. The objects are uploaded with boto3 (an independent client), the tables read back with
pyarrow and compared value by value; faults come from the tests' proxy (tests/e2e/s3_fault_proxy.py).
"""
import json
import os
import pathlib
import pty
import select
import subprocess
import time

import pyarrow.dataset as ds
import pytest

TABLES = ["fact_wordviews", "dim_users", "dim_times", "dim_langs", "dim_words", "quarantine"]
REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def traces(tmp_path_factory, wv_bin):
    """Three generated traces files with defects (different seeds, so no row repeats across them):
    plain, gzip, plain."""
    root = tmp_path_factory.mktemp("s3_traces")
    files = {}
    for name, seed, rows in (("a.csv", 11, 120000), ("b.csv.gz", 12, 60000), ("c.csv", 13, 60000)):
        path = root / name
        subprocess.run([wv_bin, "generate", "--rows", str(rows), "--seed", str(seed), "--dirty-rate",
                        "0.02", "--out", str(path), "--quiet"], check=True)
        files[name] = path
    return files


def table_rows(out, table, source_names):
    """The table's rows as sorted tuples (all columns), with source_file (and the source named in a
    quarantine detail) mapped through SOURCE_NAMES (a local path or an s3:// URL -> the file's short
    name), so two runs over the same bytes compare."""
    partitioning = "hive" if table == "fact_wordviews" else None
    data = ds.dataset(out / table, format="parquet", partitioning=partitioning).to_table()
    columns = data.column_names
    rows = []
    for row in zip(*(data.column(c).to_pylist() for c in columns)):
        row = dict(zip(columns, row))
        row.pop("batch_id", None)  # each run's own id
        if "source_file" in row:
            row["source_file"] = source_names[row["source_file"]]
        if row.get("detail"):  # "duplicate of line 7 in <source>"
            for source, name in source_names.items():
                row["detail"] = row["detail"].replace(source, name)
        rows.append(tuple(sorted(row.items(), key=lambda kv: kv[0])))
    rows.sort(key=repr)
    return rows


def assert_same_star_schema(out_s3, out_local, s3_names, local_names):
    for table in TABLES:
        ours = table_rows(out_s3, table, s3_names)
        theirs = table_rows(out_local, table, local_names)
        assert len(ours) == len(theirs), table
        assert ours == theirs, f"{table} differs between the S3 and the local run"


def manifest(out):
    return json.loads((out / "_manifest.json").read_text())


def upload(s3, bucket, key, path):
    s3.upload_file(str(path), bucket, key)  # multipart above 8 MiB: a "-N" ETag
    return s3.head_object(Bucket=bucket, Key=key)


def run(wv_bin, *args, env, check=True):
    proc = subprocess.run([wv_bin, *map(str, args)], capture_output=True, text=True, env=env)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.mark.parametrize("name", ["a.csv", "b.csv.gz"])
def test_one_object_gives_the_local_star_schema(wv_bin, traces, s3, s3_bucket, s3_env, tmp_path, name):
    head = upload(s3, s3_bucket, f"in/{name}", traces[name])
    url = f"s3://{s3_bucket}/in/{name}"
    run(wv_bin, "run", "--traces", url, "--out", tmp_path / "s3", "--quiet", env=s3_env)
    run(wv_bin, "run", "--traces", traces[name], "--out", tmp_path / "local", "--quiet", env=s3_env)
    assert_same_star_schema(tmp_path / "s3", tmp_path / "local", {url: name}, {str(traces[name]): name})
    # The manifest records the object's identity at open, and the same stored bytes and CRC-32.
    [ours] = manifest(tmp_path / "s3")["inputs"]
    [theirs] = manifest(tmp_path / "local")["inputs"]
    assert ours["path"] == url
    assert ours["object"] == {"size": head["ContentLength"], "etag": head["ETag"]}
    assert ours["identity"] is None and "object" not in theirs
    assert (ours["bytes"], ours["crc32"]) == (theirs["bytes"], theirs["crc32"])
    assert run(wv_bin, "check", tmp_path / "s3", env=s3_env).returncode == 0


def test_prefix_and_glob_select_the_objects_in_key_order(wv_bin, traces, s3, s3_bucket, s3_env, tmp_path):
    # Keys with a space, '+' and non-ASCII text; a deeper key; a folder marker; another extension.
    keys = {"in/a one+ü.csv": "a.csv", "in/b.csv.gz": "b.csv.gz", "in/sub/c.csv": "c.csv",
            "in/notes.txt": "c.csv"}
    for key, name in keys.items():
        upload(s3, s3_bucket, key, traces[name])
    s3.put_object(Bucket=s3_bucket, Key="in/folder/", Body=b"")
    s3.put_object(Bucket=s3_bucket, Key="other/a.csv", Body=traces["a.csv"].read_bytes())

    glob = f"s3://{s3_bucket}/in/*.csv*"
    run(wv_bin, "run", "--traces", glob, "--out", tmp_path / "glob", "--quiet", env=s3_env)
    inputs = [i["path"] for i in manifest(tmp_path / "glob")["inputs"]]
    assert inputs == [f"s3://{s3_bucket}/in/a one+ü.csv", f"s3://{s3_bucket}/in/b.csv.gz"]
    local = [traces["a.csv"], traces["b.csv.gz"]]
    run(wv_bin, "run", "--traces", *local, "--out", tmp_path / "glob_local", "--quiet", env=s3_env)
    assert_same_star_schema(tmp_path / "glob", tmp_path / "glob_local",
                            {u: keys[u.split("/", 3)[3]] for u in inputs},
                            {str(p): p.name for p in local})

    prefix = f"s3://{s3_bucket}/in/"
    proc = run(wv_bin, "run", "--traces", prefix, "--out", tmp_path / "prefix", "--max-bad-ratio", "1",
               "--quiet", env=s3_env)
    inputs = [i["path"] for i in manifest(tmp_path / "prefix")["inputs"]]
    assert inputs == [f"s3://{s3_bucket}/{k}" for k in sorted(keys)], proc.stderr
    # notes.txt holds the same rows as sub/c.csv: the second copy is all duplicates, locally too.
    local = [traces[keys[k]] for k in sorted(keys)]
    run(wv_bin, "run", "--traces", *local, "--out", tmp_path / "prefix_local", "--max-bad-ratio", "1",
        "--quiet", env=s3_env)
    ours = manifest(tmp_path / "prefix")
    theirs = manifest(tmp_path / "prefix_local")
    assert ours["rows"] == theirs["rows"]
    assert ours["rejected_by_reason"] == theirs["rejected_by_reason"]
    for table in TABLES:
        if table in ("fact_wordviews", "quarantine"):
            continue  # source_file cannot be mapped when two inputs share a local file
        assert table_rows(tmp_path / "prefix", table, {}) == table_rows(tmp_path / "prefix_local", table, {})


def test_reference_files_from_s3(wv_bin, traces, s3, s3_bucket, s3_env, tmp_path):
    lexemes = REPO / "data" / "lexeme_reference.txt"
    languages = REPO / "data" / "language-codes-full_json.json"
    upload(s3, s3_bucket, "ref/lexemes.txt", lexemes)
    upload(s3, s3_bucket, "ref/languages.json", languages)
    run(wv_bin, "run", "--traces", traces["c.csv"], "--lexemes", f"s3://{s3_bucket}/ref/lexemes.txt",
        "--languages", f"s3://{s3_bucket}/ref/languages.json", "--out", tmp_path / "s3", "--quiet",
        env=s3_env)
    run(wv_bin, "run", "--traces", traces["c.csv"], "--lexemes", lexemes, "--languages", languages,
        "--out", tmp_path / "local", "--quiet", env=s3_env)
    names = {str(traces["c.csv"]): "c"}
    assert_same_star_schema(tmp_path / "s3", tmp_path / "local", names, names)


def test_connection_from_flags_env_and_config_file(wv_bin, traces, s3, s3_server, s3_bucket, tmp_path):
    upload(s3, s3_bucket, "a.csv", traces["a.csv"])
    url = f"s3://{s3_bucket}/a.csv"
    bare = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    bare.update(AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), AWS_CONFIG_FILE=str(tmp_path / "none"))

    # The original notebook's dl.cfg for the keys, the endpoint in [run].
    cfg = tmp_path / "dl.cfg"
    cfg.write_text(f"[AWS]\nAWS_ACCESS_KEY_ID={s3_server.access_key}\n"
                   f"AWS_SECRET_ACCESS_KEY={s3_server.secret_key}\n\n"
                   f"[run]\ns3_endpoint = \"{s3_server.endpoint}\"\ns3-addressing = path\n")
    run(wv_bin, "--config", cfg, "run", "--traces", url, "--out", tmp_path / "cfg", "--quiet", "--run-id", "same", env=bare)

    # A profile in the shared files, the endpoint from WV_RUN_S3_ENDPOINT.
    (tmp_path / "credentials").write_text(f"[test]\naws_access_key_id = {s3_server.access_key}\n"
                                          f"aws_secret_access_key = {s3_server.secret_key}\n")
    (tmp_path / "config").write_text("[profile test]\nregion = us-east-1\n")
    env = dict(bare, AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
               AWS_CONFIG_FILE=str(tmp_path / "config"), AWS_PROFILE="test",
               WV_RUN_S3_ENDPOINT=s3_server.endpoint)
    run(wv_bin, "run", "--traces", url, "--out", tmp_path / "profile", "--quiet", "--run-id", "same", env=env)

    # The --s3-endpoint flag, with the keys from the environment.
    env = dict(bare, AWS_ACCESS_KEY_ID=s3_server.access_key, AWS_SECRET_ACCESS_KEY=s3_server.secret_key)
    run(wv_bin, "run", "--traces", url, "--out", tmp_path / "flag", "--s3-endpoint", s3_server.endpoint,
        "--quiet", "--run-id", "same", env=env)
    tables = [manifest(tmp_path / d)["tables"] for d in ("cfg", "profile", "flag")]
    assert tables[0] == tables[1] == tables[2]
    # The manifest records the options (endpoint included), never a key.
    for d in ("cfg", "profile", "flag"):
        text = (tmp_path / d / "_manifest.json").read_text()
        assert s3_server.secret_key not in text and s3_server.access_key not in text


def one_line_error(proc, secret):
    """The run failed with exactly one line on stderr that does not contain the secret."""
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert secret not in proc.stderr
    return lines[0]


def test_clear_errors_with_the_input_exit_code(wv_bin, traces, s3, s3_server, s3_bucket, s3_env, tmp_path):
    upload(s3, s3_bucket, "a.csv", traces["a.csv"])
    out = tmp_path / "out"
    secret = s3_server.secret_key

    wrong = dict(s3_env, AWS_SECRET_ACCESS_KEY=s3_server.wrong_secret_key)
    proc = run(wv_bin, "run", "--traces", f"s3://{s3_bucket}/a.csv", "--out", out, env=wrong, check=False)
    line = one_line_error(proc, secret)
    assert proc.returncode == 3, line
    assert s3_server.wrong_secret_key not in proc.stderr
    assert "the secret access key does not match (403 SignatureDoesNotMatch)" in line
    assert "AWS_SECRET_ACCESS_KEY" in line

    unknown = dict(s3_env, AWS_ACCESS_KEY_ID="AKIANOSUCHKEY0000000")
    proc = run(wv_bin, "run", "--traces", f"s3://{s3_bucket}/a.csv", "--out", out, env=unknown, check=False)
    line = one_line_error(proc, secret)
    assert proc.returncode == 3 and "unknown access key id" in line, line

    cases = {
        f"s3://{s3_bucket}/missing.csv": f"s3://{s3_bucket}/missing.csv: no such object (404 NoSuchKey)",
        "s3://no-such-bucket-wv/a.csv": "s3://no-such-bucket-wv/a.csv: no such bucket (404 NoSuchBucket)",
        f"s3://{s3_bucket}/*.tsv": f"no object matches s3://{s3_bucket}/*.tsv",
        f"s3://{s3_bucket}/nothing/": f"no object matches s3://{s3_bucket}/nothing/",
    }
    for url, expected in cases.items():
        proc = run(wv_bin, "run", "--traces", url, "--out", out, env=s3_env, check=False)
        line = one_line_error(proc, secret)
        assert proc.returncode == 3 and expected in line, (url, line)

    proc = run(wv_bin, "run", "--traces", "s3://Bad_Bucket/a.csv", "--out", out, env=s3_env, check=False)
    assert proc.returncode == 2 and "bucket name 'Bad_Bucket'" in one_line_error(proc, secret)

    dead = dict(s3_env, AWS_ENDPOINT_URL_S3="http://127.0.0.1:9")
    started = time.monotonic()
    proc = run(wv_bin, "run", "--traces", f"s3://{s3_bucket}/a.csv", "--out", out, env=dead, check=False)
    line = one_line_error(proc, secret)
    assert proc.returncode == 3, line
    assert "endpoint http://127.0.0.1:9 unreachable: Connection refused" in line
    assert time.monotonic() - started < 60  # refused at once, not retried for minutes

    nokeys = {k: v for k, v in s3_env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    proc = run(wv_bin, "run", "--traces", f"s3://{s3_bucket}/a.csv", "--out", out, env=nokeys, check=False)
    assert proc.returncode == 2 and "no AWS credentials" in one_line_error(proc, secret)
    assert not out.exists()  # nothing was published by any of these runs


def test_faults_are_retried_and_cut_bodies_resumed(wv_bin, traces, s3, s3_server, s3_bucket, s3_proxy,
                                                   tmp_path):
    head = upload(s3, s3_bucket, "big.csv", traces["a.csv"])
    assert head["ContentLength"] > 8 << 20  # several ranged reads
    env = s3_server.wordviews_env(endpoint=s3_proxy.endpoint, home=tmp_path)
    s3_proxy.add("error", method="GET", key="big", nth=1, status=503)
    s3_proxy.add("cut_response", method="GET", key="big", nth=2, after_bytes=1 << 20)
    s3_proxy.add("error", method="HEAD", key="big", nth=1, status=500)
    s3_proxy.add("cut_response", method="GET", key="big", nth=4, after_bytes=12345)
    url = f"s3://{s3_bucket}/big.csv"
    run(wv_bin, "run", "--traces", url, "--out", tmp_path / "s3", "--quiet", env=env)
    assert s3_proxy.faults >= 4
    run(wv_bin, "run", "--traces", traces["a.csv"], "--out", tmp_path / "local", "--quiet", env=env)
    assert_same_star_schema(tmp_path / "s3", tmp_path / "local", {url: "a"}, {str(traces["a.csv"]): "a"})
    # Every fault cost one more request, no more (a failed read is not started over).
    gets = s3_proxy.log(method="GET", key="big")
    blocks = -(-head["ContentLength"] // (8 << 20))
    assert len(gets) == blocks + 3


def test_an_object_replaced_during_the_read_is_an_input_error(wv_bin, traces, s3, s3_server, s3_bucket,
                                                             s3_proxy, tmp_path):
    upload(s3, s3_bucket, "moving.csv", traces["a.csv"])
    env = s3_server.wordviews_env(endpoint=s3_proxy.endpoint, home=tmp_path)
    # The second ranged read waits in the proxy while the object is replaced behind it.
    stall = s3_proxy.add("stall_request", method="GET", key="moving", nth=2, seconds=3)
    proc = subprocess.Popen([wv_bin, "run", "--traces", f"s3://{s3_bucket}/moving.csv", "--out",
                             tmp_path / "out", "--quiet"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while stall.fired == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert stall.fired == 1
    upload(s3, s3_bucket, "moving.csv", traces["c.csv"])
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 3, stderr
    assert f"s3://{s3_bucket}/moving.csv: the object changed while it was read" in stderr
    assert len(stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_progress_shows_bytes_and_the_share_read(wv_bin, traces, s3, s3_bucket, s3_env, tmp_path):
    upload(s3, s3_bucket, "a.csv", traces["a.csv"])
    primary, replica = pty.openpty()  # stderr a terminal: the redrawn bar
    proc = subprocess.Popen([wv_bin, "run", "--traces", f"s3://{s3_bucket}/a.csv", "--out",
                             tmp_path / "out", "--threads", "1"], env=s3_env, stdout=subprocess.DEVNULL,
                            stderr=replica)
    os.close(replica)
    text = b""
    while True:
        ready, _, _ = select.select([primary], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        text += chunk
    os.close(primary)
    assert proc.wait(timeout=60) == 0
    bars = [b for b in text.decode(errors="replace").split("\r") if "MB/s" in b]
    assert bars, text
    # The share read is known for an S3 input (its size came from HEAD): some bar shows it above 0%.
    shares = [float(b.split("]")[1].split("%")[0]) for b in bars if "]" in b and "%" in b]
    assert any(s > 0 for s in shares), bars
