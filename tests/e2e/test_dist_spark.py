"""spark/wordviews_spark.py on the real loopback Spark cluster (spark_cluster.py: a standalone master
and a worker with two one-core executor JVMs): dirty inputs with duplicates across files in both
directions, every rejection reason, days spread over every split; the distributed output must equal
a single `wordviews run` over the same inputs value by value (DuckDB) and pass `wordviews check`.
Then the same job with one executor JVM killed (SIGKILL, from the test) while it runs a shard task:
Spark re-runs the lost tasks elsewhere, the driver takes one attempt per split, and the output is
still identical. The driver runs in this process on the fixture's SparkSession (the cluster has two
cores, which that session holds); `main()` adds only the session's creation and stop."""
import json
import os
import pathlib
import signal
import threading
import time

import pytest

from conftest import manifest
from dist_support import assert_same_output, make_inputs, wordviews_spark as ws

pytestmark = pytest.mark.xdist_group("spark")


@pytest.fixture(scope="module")
def case(tmp_path_factory, run_wv):
    root = tmp_path_factory.mktemp("dist-spark")
    inputs = make_inputs(run_wv, root, rows=(4000, 3000, 2000))
    single = root / "single"
    run_wv("run", "--traces", *inputs, "--out", single, "--quiet")
    return root, inputs, single


def job(wv_bin, inputs, out, binary=None):
    return ws.parse_args(["--traces", *inputs, "--out", str(out), "--wordviews", binary or wv_bin,
                          "--driver-wordviews", wv_bin, "--buckets", "3"])


def test_spark_job_equals_one_run(spark, case, wv_bin, run_wv, capsys):
    root, inputs, single = case
    out = root / "dist"
    assert ws.run_job(spark, job(wv_bin, inputs, out)) == 0
    assert '"splits_with_losers": 2' in capsys.readouterr().out
    assert_same_output(single, out)
    run_wv("check", out)
    assert not list(root.glob(".wv-dist-*")), "the work folder is removed"


def test_refused_before_any_task(spark, case, wv_bin):
    root, inputs, _ = case
    foreign = root / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("not ours")
    assert ws.run_job(spark, job(wv_bin, inputs, foreign)) == 5
    assert sorted(os.listdir(foreign)) == ["notes.txt"]
    assert not list(root.glob(".wv-dist-foreign-*")), "no work folder: no task was started"


def _ancestors(pid):
    while pid > 1:
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            return
        yield pid


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def test_executor_killed_mid_job(spark, spark_cluster, case, wv_bin, tmp_path):
    root, inputs, single = case
    out = root / "dist-killed"
    markers = tmp_path / "markers"
    markers.mkdir()
    # The executors run this wrapper: it marks that a task started (its pid in the name), then runs the
    # binary after a pause long enough for the test to kill the executor JVM that runs it.
    wrapper = tmp_path / "slow-wordviews"
    wrapper.write_text(f'#!/bin/sh\ntouch "{markers}/started.$$"\nsleep 3\nexec "{wv_bin}" "$@"\n')
    wrapper.chmod(0o755)
    worker_pids = {p.pid for name, p in spark_cluster.procs if name == "worker"}
    killed = []

    def kill_one_executor():
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline:
            for marker in markers.iterdir():
                chain = list(_ancestors(int(marker.name.split(".")[1])))
                for i, pid in enumerate(chain):
                    # The executor JVM: a child of our worker, running CoarseGrainedExecutorBackend.
                    if "CoarseGrainedExecutorBackend" in _cmdline(pid) and any(p in worker_pids for p in chain[i + 1:]):
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                        return
            time.sleep(0.1)

    killer = threading.Thread(target=kill_one_executor)
    killer.start()
    try:
        code = ws.run_job(spark, job(wv_bin, inputs, out, binary=str(wrapper)))
    finally:
        killer.join()
    assert killed, "no executor was killed mid-task"
    assert code == 0
    assert_same_output(single, out)
    assert manifest(out)["rows"] == manifest(single)["rows"]
    # The master gives the application a new executor in place of the killed one; the session is
    # shared with the other Spark tests, which expect two.
    deadline = time.monotonic() + 120  # a bound on waiting, not a test time limit
    while spark_cluster.executor_count() < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert spark_cluster.executor_count() == 2


def test_spark_job_with_byte_ranges_equals_one_run(spark, wv_bin, run_wv, tmp_path, capsys):
    """One large file with rows spanning two lines cut into byte ranges (--split-bytes), one Spark task
    each, beside a small file: the output equals one run over the same files, value by value."""
    from test_dist_ranges import build_big_file

    big, _ = build_big_file(run_wv, tmp_path, rows=120_000)
    small = make_inputs(run_wv, tmp_path, rows=(500, 400, 300))
    inputs = [big, small[0]]
    single, out = tmp_path / "single", tmp_path / "dist"
    run_wv("run", "--traces", *inputs, "--out", single, "--quiet", "--max-bad-ratio", "1")
    args = ws.parse_args(["--traces", *inputs, "--out", str(out), "--wordviews", wv_bin, "--split-bytes", "1",
                          "--max-bad-ratio", "1"])
    assert ws.run_job(spark, args) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["splits"] >= 4  # the big file's ranges and the small file
    assert summary["splits_with_losers"] >= 1  # its repeats, in its last range
    assert_same_output(single, out)
    run_wv("check", out)
