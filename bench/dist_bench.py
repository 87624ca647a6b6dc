#!/usr/bin/env python3
"""The distributed run (spark/wordviews_spark.py) on the loopback Spark standalone cluster of the tests
(tests/e2e/spark_cluster.py: a master and a worker, two one-core executors) against a single-machine
`wordviews run` over the same input files, in the same invocation, alternating, each N times.

    .venv/bin/python bench/dist_bench.py --wordviews build/bin/wordviews [-n 1] [--notebook PATH]
        [--split-bytes 256M] FILE...

With --notebook PATH (a folder or glob holding the same rows as FILE...), each round also runs the faithful
notebook ETL (bench/spark_notebook_etl.py) in Spark local[2] as bench/peers.sh does (spark-submit timed as
the direct child, --driver-memory 4G): Spark's own CSV and Parquet path, the fair peer of both.

Prints per run: wall seconds; the peak RSS of `run` and of `merge` (their manifests'); CPU seconds of
the `run` process, or for the distributed run the CPU of the
spark-submit process tree (driver JVM, driver Python, `merge`) plus that of the executors (the worker's
reaped children, read from /proc before and after; an undercount when Spark's Python workers outlive
their executor) and the shards' own CPU as their reports give it (the driver's summary line,
shard_cpu_seconds); the machine's load average at the start. Both outputs
are compared table by table (row counts) and the distributed one is checked with `wordviews check`."""
import argparse
import json
import os
import pathlib
import resource
import shutil
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
from spark_cluster import EXECUTORS, EXECUTOR_MEMORY, JAVA_OPTS, SparkCluster  # noqa: E402


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def reaped_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime + cstime


def timed(cmd, env=None):
    load = os.getloadavg()[0]
    c0, t0 = children_cpu(), time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall, cpu = time.monotonic() - t0, children_cpu() - c0
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:3]} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return wall, cpu, load, proc


def rows(out):
    return {k: v["rows"] for k, v in json.loads((out / "_manifest.json").read_text())["tables"].items()}


def peak_rss(out):
    """The peak RSS the output's manifest records: the run's, or for a distributed output the merge's."""
    return json.loads((out / "_manifest.json").read_text())["peak_rss_bytes"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wordviews", required=True)
    ap.add_argument("-n", type=int, default=1)
    ap.add_argument("--notebook", default=None, help="run the notebook ETL too, on this folder or glob")
    ap.add_argument("--split-bytes", default="0", help="the driver's --split-bytes (byte-range splits)")
    ap.add_argument("--no-single", action="store_true",
                    help="skip the single-machine run (the distributed output is still checked)")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    wv = os.path.abspath(args.wordviews)
    files = [os.path.abspath(f) for f in args.files]
    root = pathlib.Path(tempfile.mkdtemp(prefix="wv-dist-bench-"))
    cluster = SparkCluster().start()
    worker = next(p.pid for name, p in cluster.procs if name == "worker")
    submit = os.path.join(cluster.home, "bin", "spark-submit")
    try:
        for i in range(args.n):
            single = root / f"single{i}"
            if not args.no_single:
                wall, cpu, load, _ = timed([wv, "run", "--traces", *files, "--out", str(single), "--quiet"])
                print(f"run        #{i}: {wall:7.2f} s wall, {cpu:7.2f} CPU-s, load {load:.1f}", flush=True)
            dist = root / f"dist{i}"
            before = reaped_cpu(worker)
            wall, cpu, load, proc = timed(
                [submit, "--master", cluster.url, "--conf", "spark.executor.cores=1",
                 "--conf", f"spark.cores.max={EXECUTORS}", "--conf", f"spark.executor.memory={EXECUTOR_MEMORY}",
                 "--conf", f"spark.executor.extraJavaOptions={JAVA_OPTS}", "--driver-java-options", JAVA_OPTS,
                 "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.ui.enabled=false",
                 "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
                 "--files", wv, str(REPO / "spark" / "wordviews_spark.py"), "--traces", *files,
                 "--out", str(dist), "--wordviews", os.path.basename(wv), "--driver-wordviews", wv,
                 "--split-bytes", args.split_bytes],
                env=cluster.env)
            time.sleep(2)  # the worker reaps the application's executors after the driver ends
            executors = reaped_cpu(worker) - before
            summary = proc.stdout.strip().splitlines()[-1]
            print(f"distributed #{i}: {wall:7.2f} s wall, {cpu:7.2f} CPU-s driver side + {executors:7.2f} "
                  f"CPU-s executors, load {load:.1f}; {summary}", flush=True)
            print(f"peak RSS: merge {peak_rss(dist) / 2**20:.0f} MiB", flush=True)
            if not args.no_single:
                print(f"peak RSS: run {peak_rss(single) / 2**20:.0f} MiB", flush=True)
                assert rows(single) == rows(dist), (rows(single), rows(dist))
                shutil.rmtree(single)
            subprocess.run([wv, "check", str(dist)], check=True, capture_output=True)
            shutil.rmtree(dist)
            if args.notebook:
                peer = root / f"notebook{i}"
                env = dict(cluster.env, SPARK_LOCAL_DIRS=str(root))
                wall, cpu, load, _ = timed(
                    [submit, "--master", "local[2]", "--driver-memory", "4G", "--conf", "spark.ui.enabled=false",
                     str(REPO / "bench" / "spark_notebook_etl.py"), "--traces", args.notebook, "--out", str(peer)],
                    env=env)
                print(f"notebook   #{i}: {wall:7.2f} s wall, {cpu:7.2f} CPU-s (Spark local[2]), load {load:.1f}",
                      flush=True)
                shutil.rmtree(peer, ignore_errors=True)
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
