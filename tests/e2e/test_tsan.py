"""The whole pipeline, multi-threaded, under ThreadSanitizer (`make tsan-test`).

WV_TSAN_BIN is the wordviews binary of the TSan build (build-tsan/bin/wordviews).
generate, run, check, every query and report each run with 4 threads on dirty
data; any TSan report fails the step (TSAN_OPTIONS halt_on_error=1 exitcode=66,
and the test also looks for a report on stderr). Each step's results are also
compared with the Release binary's (WV_BIN) on the same input, so the threads
not only do not race but agree with the build the other tests check.

Without WV_TSAN_BIN the module is skipped (a plain `pytest tests/e2e`); `make
e2e-test` leaves it out and `make tsan-test` runs it.
"""
import hashlib
import json
import os
import pathlib
import subprocess

import pytest

ROWS = 300_000
THREADS = 4
TABLES = ["fact_wordviews", "dim_users", "dim_times", "dim_langs", "dim_words", "quarantine"]
TSAN_OPTIONS = "halt_on_error=1 exitcode=66 second_deadlock_stack=1"

pytestmark = pytest.mark.skipif(not os.environ.get("WV_TSAN_BIN"),
                                reason="WV_TSAN_BIN not set (make tsan-test sets it)")


@pytest.fixture(scope="module")
def tsan_bin():
    path = pathlib.Path(os.environ["WV_TSAN_BIN"]).resolve()
    if not path.exists():
        pytest.fail(f"TSan binary not found at {path}; run `make build-tsan`")
    return str(path)


def run_tsan(tsan_bin, *args):
    """Runs the TSan binary; fails on a non-zero exit or on any TSan report."""
    env = dict(os.environ)
    env.setdefault("TSAN_OPTIONS", TSAN_OPTIONS)
    proc = subprocess.run([tsan_bin, *map(str, args)], capture_output=True, env=env)
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == 0 and "ThreadSanitizer" not in err, (
        f"wordviews {' '.join(map(str, args))} under TSan exited {proc.returncode}\n{err}")
    return proc


def sha256(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def traces(tmp_path_factory, tsan_bin):
    d = tmp_path_factory.mktemp("tsan")
    csv = d / "traces.csv"
    run_tsan(tsan_bin, "generate", "--rows", ROWS, "--dirty-rate", 0.02, "--seed", 8,
             "--threads", THREADS, "--out", csv, "-q")
    return csv


@pytest.fixture(scope="module")
def star(traces, tsan_bin):
    out = traces.parent / "out"
    run_tsan(tsan_bin, "run", "--traces", traces, "--out", out, "--threads", THREADS, "--quiet",
             "--run-id", "tsan")
    return out


def test_generate_matches_release_build(traces, wv, tmp_path):
    release = tmp_path / "traces.csv"
    wv("generate", "--rows", ROWS, "--dirty-rate", 0.02, "--seed", 8, "--threads", 1,
       "--out", release, "-q")
    assert sha256(traces) == sha256(release)
    assert sha256(f"{traces}.defects.csv") == sha256(f"{release}.defects.csv")


def test_run_matches_release_build(star, traces, wv, tmp_path):
    manifest = json.loads((star / "_manifest.json").read_text())
    assert manifest["rows"]["input"] == ROWS
    assert manifest["rows"]["rejected"] > 0  # the dirty rows reached the quarantine
    release = tmp_path / "out"
    wv("run", "--traces", traces, "--out", release, "--threads", 1, "--quiet", "--run-id", "tsan")
    theirs = json.loads((release / "_manifest.json").read_text())
    for t in TABLES:
        assert [(f["path"], f["crc32"]) for f in manifest["tables"][t]["files"]] == \
               [(f["path"], f["crc32"]) for f in theirs["tables"][t]["files"]], t


def test_spilling_run_matches_the_in_memory_run(star, traces, tsan_bin, tmp_path):
    """A tiny spill budget: the duplicate detection, the session log and small fact row
    groups on disk and on the pool's threads, under TSan; the same tables, value for value."""
    import pyarrow.parquet as pq
    out = tmp_path / "tiny"
    run_tsan(tsan_bin, "run", "--traces", traces, "--out", out, "--threads", THREADS, "--quiet",
             "--run-id", "tsan", "--memory-limit", "256M", "--spill-budget", "1M")
    for t in TABLES:
        assert pq.read_table(out / t).equals(pq.read_table(star / t)), t


def test_check(star, tsan_bin):
    assert b"checks passed" in run_tsan(tsan_bin, "check", star).stdout


def query_names(wv):
    text = wv("query", "--list").stdout.decode()
    names = [line.split()[0] for line in text.splitlines()[1:] if line.strip()]
    assert len(names) >= 10, text
    return names


def test_every_query_matches_release_build(star, tsan_bin, wv):
    for name in query_names(wv):
        ours = run_tsan(tsan_bin, "query", star, name, "--format", "json", "--threads", THREADS)
        theirs = wv("query", star, name, "--format", "json", "--threads", 1)
        assert json.loads(ours.stdout) == json.loads(theirs.stdout), name


def test_report(star, tsan_bin, tmp_path):
    out = tmp_path / "report.html"
    run_tsan(tsan_bin, "report", star, "-o", out, "--threads", THREADS, "--quiet")
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "retention" in html


def test_run_whose_writes_fail_reports_an_output_error(traces, tsan_bin, tmp_path):
    """The error path with every worker busy: each file write past 64 KiB fails
    (RLIMIT_FSIZE, SIGXFSZ ignored, so write() returns EFBIG), so several
    workers fail at once and record the first error while the others check it."""
    import resource
    import signal

    def limit_file_size():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 10, 64 << 10))

    env = dict(os.environ)
    env.setdefault("TSAN_OPTIONS", TSAN_OPTIONS)
    out = tmp_path / "out"
    proc = subprocess.run([tsan_bin, "run", "--traces", str(traces), "--out", str(out),
                           "--threads", str(THREADS), "--quiet"], capture_output=True, env=env,
                          preexec_fn=limit_file_size)
    err = proc.stderr.decode(errors="replace")
    assert "ThreadSanitizer" not in err, err
    assert proc.returncode == 5, f"exit {proc.returncode}, expected 5 (output error)\n{err}"
    assert not out.exists()
