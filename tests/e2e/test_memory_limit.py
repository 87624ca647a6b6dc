"""Bounded memory (issue 13): `run --memory-limit` spills the duplicate detection to disk
past its share of the limit, and the output is the same as the in-memory run's, value for
value (and byte for byte but for the fact table's row group sizes); the spill folder is ours and disappears however the run ends."""
import hashlib
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import time

import duckdb
import pyarrow.parquet as pq
import pytest

EXIT_USAGE, EXIT_INPUT, EXIT_OUTPUT = 2, 3, 5
SPILL_NOTICE = "spilling to disk"
RUN_ID = "same-run"  # every row carries its run's id (batch_id): one id for byte-identical files
# A limit the run accepts (its minimum is ~115M with 2 threads: below, a usage error) with a tiny
# spill budget (the hidden --spill-budget): the duplicate set holds ~14k rows, so every run below
# spills.
LIMIT = "256M"
TINY = ["--memory-limit", LIMIT, "--spill-budget", "1M"]


FACT = "fact_wordviews"
TABLES = (FACT, "quarantine", "dim_users", "dim_times", "dim_langs", "dim_words")


def table_files(out):
    """Every table file of output `out` (not the manifest) -> its SHA-256."""
    out = pathlib.Path(out)
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*.parquet"))}


def spill_folders(folder):
    return sorted(p.name for p in pathlib.Path(folder).iterdir() if p.name.startswith(".wv-spill-"))


def assert_same_output(a, b):
    """The same tables: every file but the fact table's and dim_users' byte for byte (the fact
    row groups, and a spilled dim_users' row groups, are sized from the limit), and every
    table's values in order, read by two independent readers."""
    files_a, files_b = table_files(a), table_files(b)
    assert len(files_a) >= 6
    assert sorted(files_a) == sorted(files_b)
    sized = (FACT, "dim_users")
    assert ({k: v for k, v in files_a.items() if not k.startswith(sized)}
            == {k: v for k, v in files_b.items() if not k.startswith(sized)})
    for table in TABLES:
        ta = pq.read_table(pathlib.Path(a) / table)
        tb = pq.read_table(pathlib.Path(b) / table)
        assert ta.num_rows == tb.num_rows, table
        assert ta.equals(tb), table
    for name in files_a:  # each fact file holds the same rows in the same order
        if name.startswith(FACT):
            assert pq.read_table(pathlib.Path(a) / name).equals(
                pq.read_table(pathlib.Path(b) / name)), name
    # The counts the checks are made of (sessions, natural-key collisions ...) too.
    manifests = [json.loads((pathlib.Path(x) / "_manifest.json").read_text()) for x in (a, b)]
    assert manifests[0]["quality_checks"] == manifests[1]["quality_checks"]
    assert manifests[0]["rows"] == manifests[1]["rows"]
    con = duckdb.connect()
    for table in TABLES:
        glob_a, glob_b = (f"{pathlib.Path(x) / table}/**/*.parquet" for x in (a, b))
        for x, y in ((glob_a, glob_b), (glob_b, glob_a)):
            extra = con.sql(f"SELECT count(*) FROM (SELECT * FROM read_parquet('{x}', "
                            f"hive_partitioning=false) EXCEPT ALL SELECT * FROM "
                            f"read_parquet('{y}', hive_partitioning=false))").fetchall()[0][0]
            assert extra == 0, table


def run_spilling(wv, *args):
    """A run with the tiny limit (not quiet, so that the spill notice shows)."""
    proc = wv("run", *args, *TINY, "--run-id", RUN_ID)
    assert SPILL_NOTICE in proc.stderr.decode()
    return proc


@pytest.fixture(scope="module")
def dirty(tmp_path_factory, wv):
    d = tmp_path_factory.mktemp("memlimit")
    csv, gz = d / "dirty.csv", d / "dirty.csv.gz"
    wv("generate", "--rows", 120000, "--seed", 13, "--dirty-rate", 0.05, "--out", csv, "--quiet")
    wv("generate", "--rows", 120000, "--seed", 13, "--dirty-rate", 0.05, "--out", gz, "--quiet")
    return d, csv, gz


@pytest.mark.parametrize("name", ["dirty.csv", "dirty.csv.gz"])
def test_tiny_limit_gives_the_default_runs_output(wv, dirty, tmp_path, name):
    d, _, _ = dirty
    wv("run", "--traces", d / name, "--out", tmp_path / "default", "--quiet")
    proc = wv("run", "--traces", d / name, "--out", tmp_path / "default", "--quiet",
              "--run-id", RUN_ID)  # a rerun too
    assert SPILL_NOTICE not in proc.stderr.decode()
    run_spilling(wv, "--traces", d / name, "--out", tmp_path / "tiny", "--threads", 2)
    assert_same_output(tmp_path / "default", tmp_path / "tiny")
    wv("check", tmp_path / "tiny")
    assert spill_folders(tmp_path) == []
    assert spill_folders(d) == []


def test_duplicates_across_files_and_their_first_lines(wv, dirty, tmp_path):
    """The same file twice: every accepted row of the second copy is a duplicate of a row
    of the first, found on disk, with the same detail as in memory."""
    d, csv, _ = dirty
    wv("run", "--traces", csv, csv, "--out", tmp_path / "default", "--quiet", "--max-bad-ratio", 1,
       "--run-id", RUN_ID)
    run_spilling(wv, "--traces", csv, csv, "--out", tmp_path / "tiny", "--max-bad-ratio", 1)
    assert_same_output(tmp_path / "default", tmp_path / "tiny")
    q = pq.read_table(tmp_path / "tiny" / "quarantine").to_pydict()
    dups = [detail for reason, detail in zip(q["reason"], q["detail"]) if reason == "duplicate"]
    facts = sum(pq.ParquetFile(p).metadata.num_rows
                for p in (tmp_path / "tiny" / "fact_wordviews").rglob("*.parquet"))
    # Every row accepted once is repeated once in the second copy (plus the file's own dups).
    assert len(dups) >= facts
    assert any(str(csv) in detail for detail in dups)


def test_streamed_stdin_with_a_tiny_limit(wv_bin, tmp_path):
    """generate | run --traces -: nothing about the input's size is known in advance."""
    outs = {}
    for label, limit in (("default", ["--memory-limit", "1G"]), ("tiny", TINY)):
        gen = subprocess.Popen([wv_bin, "generate", "--rows", "150000", "--seed", "2",
                                "--dirty-rate", "0.02", "--out", "-", "--quiet"],
                               stdout=subprocess.PIPE)
        out = tmp_path / label
        proc = subprocess.run([wv_bin, "run", "--traces", "-", "--out", out, *limit,
                               "--run-id", RUN_ID], stdin=gen.stdout, capture_output=True)
        gen.stdout.close()
        assert gen.wait() == 0
        assert proc.returncode == 0, proc.stderr
        assert (SPILL_NOTICE in proc.stderr.decode()) == (label == "tiny")
        outs[label] = out
    assert_same_output(outs["default"], outs["tiny"])


@pytest.fixture(scope="module")
def big(tmp_path_factory, wv):
    path = tmp_path_factory.mktemp("memlimit_big") / "big.csv"
    wv("generate", "--rows", 1500000, "--seed", 5, "--out", path, "--quiet")
    return path


def test_failure_after_spilling_removes_the_spill_folder(wv, big, tmp_path):
    """The second input's header is wrong: found long after the run began to spill."""
    bad = tmp_path / "bad.csv"
    bad.write_text("not,the,header\n1,2,3\n")
    spill = tmp_path / "spill"
    spill.mkdir()
    proc = wv("run", "--traces", big, bad, "--out", tmp_path / "out", *TINY,
              "--tmp-dir", spill, check=False)
    assert proc.returncode == EXIT_INPUT
    assert SPILL_NOTICE in proc.stderr.decode()
    assert list(spill.iterdir()) == []
    assert not (tmp_path / "out").exists()
    assert spill_folders(tmp_path) == []


def start_and_wait_for_spill(wv_bin, big, out, spill):
    """Starts a spilling run and returns once its deferred-chunk log is being written."""
    proc = subprocess.Popen([wv_bin, "run", "--traces", str(big), "--out", str(out), "--threads", "1",
                             *TINY, "--tmp-dir", str(spill)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if list(spill.glob(".wv-spill-*/deferred-chunks.log")):
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    return proc


def test_sigterm_removes_the_spill_folder(wv_bin, big, tmp_path):
    spill = tmp_path / "spill"
    spill.mkdir()
    proc = start_and_wait_for_spill(wv_bin, big, tmp_path / "out", spill)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait() == -signal.SIGTERM
    assert list(spill.iterdir()) == []


def test_after_sigkill_the_next_run_removes_the_dead_runs_spill_folder(wv, wv_bin, big, tmp_path):
    spill = tmp_path / "spill"
    spill.mkdir()
    # Someone else's files beside ours are never touched.
    (spill / "keep.txt").write_text("mine")
    (spill / ".wv-spill-notours").mkdir()
    proc = start_and_wait_for_spill(wv_bin, big, tmp_path / "out", spill)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = spill_folders(spill)
    assert len(left) == 2  # the dead run's, and the one not named like ours
    small = tmp_path / "small.csv"
    wv("generate", "--rows", 1000, "--out", small, "--quiet")
    wv("run", "--traces", small, "--out", tmp_path / "out2", "--tmp-dir", spill, "--quiet")
    assert sorted(p.name for p in spill.iterdir()) == [".wv-spill-notours", "keep.txt"]


def test_memory_limit_option_sources_and_errors(wv, tmp_path):
    small = tmp_path / "small.csv"
    wv("generate", "--rows", 30000, "--out", small, "--quiet")
    proc = wv("run", "--traces", small, "--out", tmp_path / "o", "--spill-budget", "1M",
              check=False, env={**os.environ, "WV_RUN_MEMORY_LIMIT": "256MiB"})
    assert proc.returncode == 0
    assert SPILL_NOTICE in proc.stderr.decode()
    for bad in ("12X", "100K", "-1", "G"):
        proc = wv("run", "--traces", small, "--out", tmp_path / "o2", "--memory-limit", bad,
                  check=False)
        assert proc.returncode == EXIT_USAGE, bad
        assert b"memory-limit" in proc.stderr
    proc = wv("run", "--traces", small, "--out", tmp_path / "o3", "--tmp-dir",
              tmp_path / "missing", check=False)
    assert proc.returncode == EXIT_OUTPUT
    assert b"spill" in proc.stderr
    assert not (tmp_path / "o3").exists()


def test_a_limit_below_the_runs_minimum_is_refused(wv, tmp_path):
    """Below what the program, its buffers and the chunks in flight take whatever the input
    (run/memory_plan.h), the limit cannot be kept: a usage error naming the minimum, from the
    flag or the environment, before anything is written; the minimum named is accepted, one
    MiB less is not, and more threads (more chunks in flight) need more."""
    small = tmp_path / "small.csv"
    wv("generate", "--rows", 3000, "--out", small, "--quiet")

    def run(threads, limit, source="flag"):
        args = ["--memory-limit", limit] if source == "flag" else []
        env = {**os.environ, "WV_RUN_MEMORY_LIMIT": limit}
        return wv("run", "--traces", small, "--out", tmp_path / "o", "--threads", threads, *args,
                  "--quiet", check=False, env=env)

    minimums = {}
    for threads in (1, 2, 16):
        proc = run(threads, "10M")
        assert proc.returncode == EXIT_USAGE, proc.stderr
        err = proc.stderr.decode()
        match = re.search(r"give at least (\d+)M", err)
        assert match and "--memory-limit" in err, err
        minimum = minimums[threads] = int(match.group(1))
        assert 64 < minimum < 256, err
        for source in ("flag", "env"):
            proc = run(threads, f"{minimum - 1}M", source)
            assert proc.returncode == EXIT_USAGE, (source, proc.stderr)
            assert not (tmp_path / "o").exists()
            assert spill_folders(tmp_path) == []
        assert run(threads, f"{minimum}M").returncode == 0
        wv("check", tmp_path / "o")
        shutil.rmtree(tmp_path / "o")
    assert minimums[1] <= minimums[2] < minimums[16]


# The users dimension spills past a tenth of the limit (model/users_spill): with 4 rows a user
# and a 2M budget the users (~160 bytes each in memory) spill while the duplicate set (30%) does
# not, so what is tested is the users' partitions alone.
USERS_LIMIT = ["--memory-limit", LIMIT, "--spill-budget", "2M"]


@pytest.fixture(scope="module")
def many_users(tmp_path_factory, wv):
    path = tmp_path_factory.mktemp("memlimit_users") / "users.csv"
    wv("generate", "--rows", 20000, "--users", 5000, "--seed", 3, "--dirty-rate", 0.02,
       "--out", path, "--quiet")
    return path


def traced_spill_files(wv_bin, args, trace):
    """Runs `wordviews run ARGS` under strace; returns the run and the spill files it created."""
    proc = subprocess.run(["strace", "-f", "-qq", "-e", "trace=openat", "-o", str(trace), wv_bin,
                           "run", *map(str, args)], capture_output=True)
    created = {line.split('"')[1].rsplit("/", 1)[1] for line in trace.read_text().splitlines()
               if "O_CREAT" in line and ".wv-spill-" in line}
    return proc, created


@pytest.mark.skipif(not shutil.which("strace"), reason="no strace")
@pytest.mark.parametrize("limit", [USERS_LIMIT, TINY], ids=["users", "tiny"])
def test_spilled_users_give_the_default_runs_output(wv, wv_bin, many_users, tmp_path, limit):
    """With USERS_LIMIT only the users spill; with TINY the duplicates, the session log and
    the users all do. dim_users (and everything else) equal the in-memory run's."""
    wv("run", "--traces", many_users, "--out", tmp_path / "default", "--quiet", "--run-id",
       RUN_ID, "--max-bad-ratio", 1)
    proc, created = traced_spill_files(
        wv_bin, ["--traces", many_users, "--out", tmp_path / "spilled", *limit,
                 "--run-id", RUN_ID, "--max-bad-ratio", 1, "--quiet"], tmp_path / "trace")
    assert proc.returncode == 0, proc.stderr
    partitions = {f for f in created if f.startswith("users-") and f.endswith(".part")}
    assert len(partitions) == 256, sorted(created)
    assert len({f for f in created if f.startswith("users-") and f.endswith(".built")}) == 256
    assert ("deferred-chunks.log" in created) == (limit == TINY)
    assert_same_output(tmp_path / "default", tmp_path / "spilled")
    users = pq.read_table(tmp_path / "spilled" / "dim_users")
    assert users.num_rows > 4500
    # The users' own numbers recomputed from the fact table by DuckDB, in first-appearance order.
    con = duckdb.connect()
    fact = f"read_parquet('{tmp_path / 'spilled' / FACT}/**/*.parquet', hive_partitioning=false)"
    expected = con.sql(
        f"SELECT user_id, count(DISTINCT epoch) AS sessions, min(epoch) AS first, max(epoch) AS "
        f"last, count(*) AS views, count(DISTINCT (learning_language, ui_language)) AS courses "
        f"FROM {fact} GROUP BY user_id ORDER BY min(source_file), min(line_number)").fetchall()
    got = list(zip(*(users.column(c).to_pylist() for c in (
        "user_id", "number_of_sessions", "first_seen", "last_seen", "views", "courses"))))
    assert [(u, s, v, c) for u, s, _, _, v, c in got] == [
        (u, s, v, c) for u, s, _, _, v, c in expected]
    wv("check", tmp_path / "spilled")
    assert spill_folders(tmp_path) == []


def test_full_spill_disk_while_the_users_spill_is_an_output_error(wv_bin, many_users, tmp_path):
    """--tmp-dir on a 64 KiB tmpfs (a mount namespace of the test's own): the users' partitions
    do not fit. Exit 5 naming the file and the cause, no output, the spill folder gone."""
    if not shutil.which("unshare") or subprocess.run(
            ["unshare", "-m", "true"], capture_output=True).returncode != 0:
        pytest.skip("no mount namespaces here")
    small = tmp_path / "small"
    small.mkdir()
    out = tmp_path / "out"
    script = (f'mount -t tmpfs -o size=64k none "{small}" || exit 99; '
              f'"{wv_bin}" run --traces "{many_users}" --out "{out}" {" ".join(USERS_LIMIT)} '
              f'--tmp-dir "{small}" --max-bad-ratio 1 --quiet; rc=$?; '
              f'echo "left:$(ls -A "{small}")" >&2; exit $rc')
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True)
    if proc.returncode == 99:
        pytest.skip("cannot mount a tmpfs here")
    err = proc.stderr.decode()
    assert proc.returncode == EXIT_OUTPUT, err
    assert "No space left on device" in err and "/users-" in err and "--tmp-dir" in err, err
    assert err.splitlines()[-1] == "left:", err  # the spill folder is gone
    assert not out.exists()


def test_sigterm_while_the_users_spill_removes_the_spill_folder(wv_bin, big, tmp_path):
    spill = tmp_path / "spill"
    spill.mkdir()
    proc = subprocess.Popen([wv_bin, "run", "--traces", str(big), "--out", str(tmp_path / "out"),
                             "--threads", "1", *TINY, "--tmp-dir", str(spill)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None and not list(spill.glob(".wv-spill-*/users-*.part")):
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before its users spilled"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait() == -signal.SIGTERM
    assert list(spill.iterdir()) == []
    assert not (tmp_path / "out").exists()
