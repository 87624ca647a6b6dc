#!/usr/bin/env python3
"""wordviews on a Spark cluster (docs/DISTRIBUTED.md, issue 15).

    spark-submit spark/wordviews_spark.py --traces IN... --out OUT [--wordviews BINARY]

Spark is the scheduler, the shuffle and the retry machinery; the `wordviews`
binary is the engine of every task:

1. `wordviews merge --preflight` on the driver: OUT must be ours or absent
   (and hold no input), before any task starts; then the work folder
   `.wv-dist-<OUT>-<run id>` beside OUT, flocked while the driver lives (dead
   drivers' work folders of the same OUT are removed);
2. one `wordviews shard` task per split (one input file) on the executors:
   each attempt writes only under its own new attempt folder in the work
   folder (shared storage) or its own new attempt prefix (an s3:// work
   prefix: no shared file system needed) and reports, as one JSON line, what
   it wrote with sizes and CRC-32s (and ETags);
3. the splits' first-occurrence fingerprints shuffled by hash
   (partitionBy): per fingerprint the first occurrence in input order wins;
   every other split holding it gets it as a "loser" (a duplicate of that
   first occurrence), whose losers.tsv travels with its task;
4. `wordviews shard --losers` again for the splits that have losers (the
   others are final after step 2);
5. `wordviews merge` on the driver over the chosen attempts, in input order:
   dimensions, checks over the whole, manifest, atomic publish.

Only the driver chooses, per split and step, the first successful attempt it
receives (collect() returns one result per partition: Spark keeps one
successful attempt of each task, whatever retries and speculative copies ran)
and hands the chosen reports to merge, which checks every file it uses
against them (the fingerprints are checked by the shuffle as it reads them). The
pure functions below (planning, dedup, losers, verification) are also used
without Spark (tests/e2e/test_dist_primitives.py).
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import uuid
import zlib

FINGERPRINT_DTYPE = [("hash", "<u8"), ("check", "<u4"), ("reserved", "<u4"), ("line", "<i8")]
LOSER_DTYPE = [("hash", "<u8"), ("check", "<u4"), ("winner_split", "<i8"), ("winner_line", "<i8")]


# ---- planning -----------------------------------------------------------------


def is_s3_pattern(path):
    """An s3:// prefix (ending in '/') or key glob: what `wordviews shard --list` expands."""
    return is_s3(path) and (path.endswith("/") or any(c in path.rsplit("/", 1)[-1] for c in "*?["))


def list_s3_objects(binary, pattern, env=None):
    """The objects an s3:// prefix or glob names, in key order, listed by the binary exactly as `run`
    lists them (`wordviews shard --list`: the same expansion, the same credentials and endpoint)."""
    proc = subprocess.run([binary, "shard", "--list", "--input", pattern], capture_output=True, text=True,
                          env=env)
    if proc.returncode != 0:
        raise SystemExit(f"wordviews_spark: cannot list {pattern}: {proc.stderr.strip()}")
    return json.loads(proc.stdout.strip().splitlines()[-1])["inputs"]


def list_inputs(patterns, binary=None):
    """The inputs in argument order, local globs expanded (sorted within a glob), as
    absolute paths: a split's rows name their file as the whole run does. An s3://
    URL of one object is taken as given; an s3:// prefix or key glob is listed through
    `binary` (list_s3_objects), one input per object."""
    inputs = []
    for p in patterns:
        if is_s3_pattern(p):
            if binary is None:
                raise SystemExit(f"wordviews_spark: {p}: listing S3 needs the binary")
            inputs += list_s3_objects(binary, p)
            continue
        if is_s3(p):  # one object, read by the binary itself
            inputs.append(p)
            continue
        matches = sorted(glob.glob(p)) if any(c in p for c in "*?[") else [p]
        if not matches:
            raise SystemExit(f"wordviews_spark: {p}: no input matches")
        for m in matches:
            if not os.path.isfile(m):
                raise SystemExit(f"wordviews_spark: {m}: not a file")
            inputs.append(os.path.abspath(m))
    return inputs


def parse_bytes(text):
    """'256M' -> 268435456 (K, M, G, T: powers of 1024); a plain number is bytes."""
    text = str(text).strip().upper()
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}.get(text[-1:], 1)
    return int(text[:-1] if scale > 1 else text) * scale


def plan_splits(inputs, split_bytes=0, binary=None):
    """The splits in input order (split i before split i + 1 in the order one run reads): one per input
    file; with `split_bytes`, a local plain file larger than that is cut by `wordviews shard --plan`
    (`binary`) into row-aligned byte ranges (dist/split_plan.h), each a split, in file order, with the
    file's lines before it. A gzip file or an s3:// object stays one split."""
    splits = []
    for path in inputs:
        size = None if is_s3(path) else os.path.getsize(path)
        ranges = []
        if split_bytes and size is not None and size > split_bytes:
            proc = subprocess.run([binary, "shard", "--plan", str(split_bytes), "--input", path],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                raise SystemExit(f"wordviews_spark: cannot plan the splits of {path}: {proc.stderr.strip()}")
            ranges = json.loads(proc.stdout.strip().splitlines()[-1])["ranges"]
        if len(ranges) <= 1:
            splits.append({"split": len(splits), "input": path, "bytes": size})
            continue
        for start, end, lines_before in ranges:
            splits.append({"split": len(splits), "input": path, "bytes": end - start,
                           "range": [start, end, lines_before]})
    return splits


# ---- the binary ---------------------------------------------------------------


# The AWS settings the driver passes on to its tasks when it has them: where S3 is and which profile
# and shared files to read, never a key (each node finds its own credentials by the AWS conventions:
# its environment, e.g. spark.executorEnv or an instance's setup, or the shared file named here).
FORWARDED_AWS_SETTINGS = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION",
                          "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
                          "AWS_EC2_METADATA_DISABLED")


def forwarded_aws_settings(environ=None):
    environ = os.environ if environ is None else environ
    return {k: environ[k] for k in FORWARDED_AWS_SETTINGS if k in environ}


def run_shard(binary, work, run_id, split, attempt, losers=None, extra=(), env=None):
    """Runs one attempt of `wordviews shard` for `split`; returns its report
    (dict) with the split index and the step, or raises on failure. `work` is a folder or an s3://
    prefix (then the attempt is a prefix of its own, which the binary checks is unused). `losers`:
    the path of the split's losers.tsv (a file or an s3:// object). `env`: settings added to this
    process's environment for the binary (forwarded_aws_settings)."""
    step = "finish" if losers else "first"
    if is_s3(work):
        attempt_dir = f"{work}/{step}/split-{split['split']:05d}/attempt-{attempt}"
    else:
        attempt_dir = os.path.join(work, step, f"split-{split['split']:05d}", f"attempt-{attempt}")
        # Only below an existing work folder: a task still running after its driver removed the
        # folder fails here instead of creating a tree (without a lock) that no cleanup would recognise.
        for folder in (os.path.join(work, step), os.path.dirname(attempt_dir)):
            try:
                os.mkdir(folder)
            except FileExistsError:
                pass
    cmd = [binary, "shard", "--input", split["input"], "--attempt-dir", attempt_dir, "--run-id", run_id]
    if split.get("range"):
        start, end, lines_before = split["range"]
        cmd += ["--byte-range", f"{start}-{end}", "--lines-before", str(lines_before)]
    if losers:
        cmd += ["--losers", losers]
    cmd += list(extra)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, **(env or {})))
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed with exit {proc.returncode}: {proc.stderr.strip()}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    report["split"] = split["split"]
    report["step"] = step
    return report


def reported_file(report, path):
    """The report's entry of `path` (relative to the attempt)."""
    for f in report["files"]:
        if f["path"] == path:
            return f
    raise RuntimeError(f"{report['attempt_dir']}: its report lists no {path}")


def read_attempt_file(report, path, binary=None, env=None):
    """The bytes of one file of an attempt, checked against its report (size and CRC-32): read from
    the attempt folder, or fetched from an s3:// attempt through the binary (`wordviews shard
    --fetch`, its S3 settings and credentials: Python needs no S3 client). Raises on a difference."""
    expected = reported_file(report, path)
    where = f"{report['attempt_dir']}/{path}"
    if is_s3(where):
        proc = subprocess.run([binary, "shard", "--fetch", where], capture_output=True,
                              env=dict(os.environ, **(env or {})))
        if proc.returncode != 0:
            raise RuntimeError(f"cannot read {where}: {proc.stderr.decode(errors='replace').strip()}")
        data = proc.stdout
    else:
        with open(where, "rb") as fh:
            data = fh.read()
    if len(data) != expected["bytes"] or zlib.crc32(data) != expected["crc32"]:
        raise RuntimeError(f"{where}: differs from its attempt's report")
    return data


def read_fingerprints(report, binary=None, env=None):
    """(hash, check, line) records of one split's first occurrences, checked against its report."""
    import numpy as np

    return np.frombuffer(read_attempt_file(report, "fingerprints.bin", binary, env), dtype=FINGERPRINT_DTYPE)


def fingerprint_blocks(buckets, binary=None, env=None):
    """A flatMap function: one split's fingerprints cut into `buckets` blocks by hash,
    (bucket, (split, bytes of the block's records)). The shuffle moves blocks of packed
    records, not one Python object per row (PySpark's per-record cost would dominate)."""

    def blocks(report):
        import numpy as np

        exe = executor_binary(binary) if binary and is_s3(report["attempt_dir"]) else binary
        a = read_fingerprints(report, exe, env)
        bucket = (a["hash"] % np.uint64(buckets)).astype(np.int64)
        order = np.argsort(bucket, kind="stable")
        a, bucket = a[order], bucket[order]
        bounds = np.searchsorted(bucket, np.arange(buckets + 1))
        for b in range(buckets):
            if bounds[b + 1] > bounds[b]:
                yield b, (report["split"], a[bounds[b]:bounds[b + 1]].tobytes())

    return blocks


def losers_in_bucket(blocks):
    """One bucket's blocks from every split -> (loser split, bytes of LOSER_DTYPE records):
    per fingerprint (hash and check), the first occurrence in input order (split, then line)
    wins; every other split holding it gets (hash, check, winner split, winner line)."""
    import numpy as np

    parts, splits = [], []
    for split, data in blocks:
        a = np.frombuffer(data, dtype=FINGERPRINT_DTYPE)
        parts.append(a)
        splits.append(np.full(len(a), split, dtype=np.int64))
    if not parts:
        return
    a, s = np.concatenate(parts), np.concatenate(splits)
    order = np.lexsort((a["line"], s, a["check"], a["hash"]))
    a, s = a[order], s[order]
    starts = np.ones(len(a), dtype=bool)
    starts[1:] = (a["hash"][1:] != a["hash"][:-1]) | (a["check"][1:] != a["check"][:-1])
    group_start = np.flatnonzero(starts)[np.cumsum(starts) - 1]
    winner_split, winner_line = s[group_start], a["line"][group_start]
    lose = ~starts & (s != winner_split)
    for split in np.unique(s[lose]):
        m = lose & (s == split)
        out = np.empty(int(m.sum()), dtype=LOSER_DTYPE)
        out["hash"], out["check"] = a["hash"][m], a["check"][m]
        out["winner_split"], out["winner_line"] = winner_split[m], winner_line[m]
        yield int(split), out.tobytes()


def losers_by_split(pairs):
    """(split, bytes) pairs -> {split: [(hash, check, winner split, winner line)]}."""
    import numpy as np

    out = {}
    for split, data in pairs:
        for r in np.frombuffer(data, dtype=LOSER_DTYPE):
            out.setdefault(split, []).append(
                (int(r["hash"]), int(r["check"]), int(r["winner_split"]), int(r["winner_line"])))
    return out


def dedup_locally(reports):
    """The dedup without Spark, by the same functions as the Spark job (one bucket)."""
    blocks = [block for r in reports for _, block in fingerprint_blocks(1)(r)]
    return losers_by_split(losers_in_bucket(blocks))


def losers_text(losers, splits):
    """The losers.tsv of one split: per loser, `hash, check, line, path` of its first occurrence."""
    return "".join(f"{h}\t{c}\t{line}\t{splits[winner_split]['input']}\n"
                   for h, c, winner_split, line in sorted(losers))


def write_losers(work, split, losers, splits):
    """The losers.tsv of one split written into a local work folder; returns its path."""
    path = os.path.join(work, "losers", f"split-{split:05d}.tsv")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + f".tmp-{uuid.uuid4().hex}"
    with open(tmp, "w") as fh:
        fh.write(losers_text(losers, splits))
    os.replace(tmp, path)
    return path


def choose_first(reports, count, required=None):
    """The first successful report per split, in split order (of the splits
    `required`, default all `count`)."""
    chosen = {}
    for r in reports:
        chosen.setdefault(r["split"], r)
    wanted = list(range(count)) if required is None else list(required)
    missing = [i for i in wanted if i not in chosen]
    if missing:
        raise RuntimeError(f"no successful attempt for split(s) {missing}")
    return [chosen[i] for i in wanted]


def run_merge(binary, out, run_id, chosen, extra=(), work=None):
    """`wordviews merge` of the chosen attempts into OUT, given by their reports (a file of JSON lines
    in split order: merge checks every file it uses against them). For an s3:// OUT and a local work
    folder, the output is staged in `work` (where the splits' files can be hard-linked) before it is
    uploaded; with an s3:// work prefix, in the merge's $TMPDIR."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="wv-dist-reports-") as folder:
        reports = os.path.join(folder, "reports.jsonl")
        with open(reports, "w") as fh:
            for r in chosen:
                fh.write(json.dumps(r) + "\n")
        cmd = [binary, "merge", "--out", out, "--run-id", run_id, "--reports", reports]
        if work is not None and is_s3(out) and not is_s3(work):
            cmd += ["--tmp-dir", work]
        cmd += list(extra)
        return subprocess.run(cmd, capture_output=True, text=True)


def preflight(binary, out, inputs):
    cmd = [binary, "merge", "--preflight", "--out", out]
    for i in inputs:
        cmd += ["--input", i]
    return subprocess.run(cmd, capture_output=True, text=True)


def new_run_id():
    import time

    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-dist-" + uuid.uuid4().hex[:8]


WORK_LOCK = ".lock"
RUN_ID_RE = r"\d{8}T\d{6}Z-dist-[0-9a-f]{8}"


def is_s3(path):
    return str(path).startswith("s3://")


def work_parent_and_label(out, work_dir=None):
    """Where the work folders of OUT live and the OUT part of their names: beside a local OUT
    (or in `work_dir`), named after its base name; for an s3:// OUT in `work_dir` (required: a folder
    every node sees, or an s3:// prefix), named after the bucket and prefix. An s3:// `work_dir` is a
    prefix: the work "folder" is the prefix `work_dir/.wv-dist-<label>-<run id>`."""
    import re

    if work_dir and is_s3(work_dir):
        work_dir = work_dir.rstrip("/")
        label = re.sub(r"[^A-Za-z0-9._-]", "_", (out[5:] if is_s3(out) else os.path.abspath(out)).strip("/"))
        return work_dir, ("s3-" if is_s3(out) else "") + label
    if is_s3(out):
        if not work_dir:
            raise SystemExit("wordviews_spark: an s3:// --out needs --work-dir (a folder on storage every "
                             "node sees, for the attempts' files)")
        return os.path.abspath(work_dir), "s3-" + re.sub(r"[^A-Za-z0-9._-]", "_", out[5:].rstrip("/"))
    out = os.path.abspath(out)
    return os.path.abspath(work_dir) if work_dir else os.path.dirname(out), os.path.basename(out)


def work_folder(out, run_id, work_dir=None):
    parent, label = work_parent_and_label(out, work_dir)
    if is_s3(parent):
        return f"{parent}/.wv-dist-{label}-{run_id}"
    return os.path.join(parent, f".wv-dist-{label}-{run_id}")


def create_work_folder(out, run_id, work_dir=None):
    """Creates the run's work folder and holds an exclusive flock on its lock file for as long as the
    returned file stays open (the driver's lifetime: the kernel drops it when the driver dies)."""
    import fcntl

    work = work_folder(out, run_id, work_dir)
    if is_s3(work):  # a prefix: nothing to create (the attempts' objects make it), no lock to hold
        return work, None
    if os.path.lexists(work):
        raise FileExistsError(work)
    # Built under a name the stale-folder cleanup does not match, locked, then renamed: another
    # driver's cleanup never finds the folder before its lock is held (the flock stays on the open
    # file through the rename).
    building = f"{work}.creating-{os.getpid()}"
    os.mkdir(building)
    lock = open(os.path.join(building, WORK_LOCK), "w")
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.rename(building, work)
    return work, lock


def remove_work(work, binary):
    """Removes the run's work folder, or its s3:// work prefix through the binary (every object and
    open upload under that exact prefix, nothing else: `wordviews shard --remove-work`)."""
    if not is_s3(work):
        shutil.rmtree(work, ignore_errors=True)
        return
    proc = subprocess.run([binary, "shard", "--remove-work", work], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(f"wordviews_spark: could not remove {work}: {proc.stderr.strip()}\n")


def remove_stale_work_folders(out, work_dir=None):
    """Removes the work folders of earlier drivers of the same OUT that died (SIGKILL, a lost node):
    exactly the names `.wv-dist-<OUT>-<run id>` beside OUT whose lock can be taken; a live driver's is
    left alone, and nothing else is touched. Returns the folders removed."""
    import fcntl
    import re

    parent, label = work_parent_and_label(out, work_dir)
    if is_s3(parent):  # no lock on S3 to tell a dead driver's prefix: an S3 lifecycle rule expires them
        return []
    pattern = re.compile(re.escape(f".wv-dist-{label}-") + RUN_ID_RE)
    removed = []
    for name in sorted(os.listdir(parent)):
        path = os.path.join(parent, name)
        if not pattern.fullmatch(name) or os.path.islink(path) or not os.path.isdir(path):
            continue
        try:
            with open(os.path.join(path, WORK_LOCK), "r") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(path)
                removed.append(path)
        except (BlockingIOError, FileNotFoundError):
            continue  # held by a live driver, or not a work folder of ours
    return removed


# ---- Spark --------------------------------------------------------------------


def executor_binary(name):
    """The binary on an executor: shipped with --files (SparkFiles), or a path
    present on the nodes."""
    if os.path.isabs(name) and os.path.exists(name):
        return name
    from pyspark import SparkFiles

    path = SparkFiles.get(os.path.basename(name))
    if os.path.exists(path):
        os.chmod(path, 0o755)
        return path
    found = shutil.which(name)
    if found:
        return found
    raise RuntimeError(f"wordviews binary {name} not found on this executor")


def shard_task(binary, work, run_id, env=None):
    """A mapPartitions function: runs one attempt per split of the partition
    (attempt id: the stage, the task's attempt number and a random token,
    so no two attempts share a folder). A split of the finishing step carries
    its losers.tsv text ("losers"), written to a private local file for the
    binary: the losers travel with the task, not through shared storage."""

    def run(splits):
        import tempfile

        from pyspark import TaskContext

        ctx = TaskContext.get()
        attempt = f"{ctx.stageId()}.{ctx.attemptNumber()}-{uuid.uuid4().hex[:8]}"
        exe = executor_binary(binary)
        for split in splits:
            if "losers" not in split:
                yield run_shard(exe, work, run_id, split, attempt, env=env)
                continue
            with tempfile.TemporaryDirectory(prefix="wv-losers-") as folder:
                path = os.path.join(folder, "losers.tsv")
                with open(path, "w") as fh:
                    fh.write(split["losers"])
                yield run_shard(exe, work, run_id, split, attempt, path, env=env)

    return run


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--traces", nargs="+", required=True, help="input files, globs, s3:// object URLs, s3:// prefixes (ending in /) or key globs, in order")
    parser.add_argument("--out", required=True, help="output folder (shared storage), or s3://bucket/prefix")
    parser.add_argument("--work-dir", default=None,
                        help="folder on storage every node sees for the run's work folder (default: beside "
                             "a local --out; required for an s3:// --out)")
    parser.add_argument("--wordviews", default="wordviews",
                        help="the binary: a path on every node, or a name shipped with --files")
    parser.add_argument("--driver-wordviews", default=None,
                        help="the binary on the driver (default: --wordviews, or on PATH)")
    parser.add_argument("--buckets", type=int, default=0,
                        help="fingerprint shuffle partitions (default: the number of splits)")
    parser.add_argument("--split-bytes", default="0",
                        help="cut local plain files larger than this (e.g. 256M) into row-aligned byte ranges, "
                             "one task each (default 0: one task per file)")
    parser.add_argument("--max-bad-ratio", type=float, default=0.05)
    parser.add_argument("--keep-work", action="store_true", help="keep the work folder (debugging)")
    return parser.parse_args(argv)


def driver_binary(args):
    found = args.driver_wordviews or (
        args.wordviews if os.path.exists(args.wordviews) else shutil.which(args.wordviews))
    if not found:
        raise SystemExit("wordviews_spark: no wordviews binary on the driver (--driver-wordviews)")
    return found


def run_job(spark, args):
    """The whole job on `spark` (a SparkSession); returns merge's exit code (0: published)."""
    driver_bin = driver_binary(args)
    work_parent_and_label(args.out, args.work_dir)  # an s3:// OUT without --work-dir: refused first
    inputs = list_inputs(args.traces, driver_bin)
    pre = preflight(driver_bin, args.out, inputs)
    if pre.returncode != 0:  # before any task: OUT is not ours, or holds an input
        sys.stderr.write(pre.stderr)
        return pre.returncode
    sc = spark.sparkContext
    sc.addPyFile(os.path.abspath(__file__))  # the executors unpickle this module's functions
    for stale in remove_stale_work_folders(args.out, args.work_dir):
        sys.stderr.write(f"wordviews_spark: removed {stale}, the work folder of a driver that died\n")
    run_id = new_run_id()
    work, work_lock = create_work_folder(args.out, run_id, args.work_dir)
    env = forwarded_aws_settings()
    import time

    seconds, t0 = {}, time.monotonic()

    def lap(name):
        nonlocal t0
        seconds[name] = round(time.monotonic() - t0, 2)
        t0 = time.monotonic()

    try:  # from here on, the work folder is removed however the job ends
        splits = plan_splits(inputs, parse_bytes(args.split_bytes), driver_bin)
        n = len(splits)
        lap("plan")
        reports = sc.parallelize(splits, n).mapPartitions(shard_task(args.wordviews, work, run_id, env)).collect()
        # Every shard process's own CPU (its report's): the tasks' cost, which the executors' process tree
        # does not always show (the shards are children of Spark's Python workers).
        shard_cpu = sum(r.get("cpu_seconds", 0) for r in reports)
        first = choose_first(reports, n)
        lap("first_step")
        buckets = args.buckets or n
        # The fingerprints shuffled by hash: blocks keyed by bucket, one reduce task per bucket.
        losers = losers_by_split(
            sc.parallelize(first, n)
            .flatMap(fingerprint_blocks(buckets, args.wordviews, env))
            .partitionBy(buckets, lambda bucket: bucket)
            .mapPartitions(lambda kv: losers_in_bucket(block for _, block in kv))
            .collect()
        )
        lap("dedup")
        chosen = list(first)
        if losers:
            again = [dict(splits[s], losers=losers_text(losers[s], splits)) for s in sorted(losers)]
            finished = (
                sc.parallelize(again, len(again))
                .mapPartitions(shard_task(args.wordviews, work, run_id, env))
                .collect()
            )
            shard_cpu += sum(r.get("cpu_seconds", 0) for r in finished)
            for r in choose_first(finished, n, required=sorted(losers)):
                chosen[r["split"]] = r
        lap("finishing_step")
        # No separate re-read of the chosen files: merge checks every file it uses against its report
        # (the fingerprints were checked as the shuffle read them).
        merged = run_merge(driver_bin, args.out, run_id, chosen,
                           ["--max-bad-ratio", str(args.max_bad_ratio)], work=work)
        lap("merge")
        sys.stdout.write(merged.stdout)
        sys.stderr.write(merged.stderr)
        print(json.dumps({"run_id": run_id, "splits": n, "splits_with_losers": len(losers),
                          "losers": sum(len(l) for l in losers.values()), "seconds": seconds,
                          "shard_cpu_seconds": round(shard_cpu, 2)}))
        return merged.returncode
    finally:
        if not args.keep_work:
            remove_work(work, driver_bin)
        if work_lock is not None:
            work_lock.close()


def main(argv=None):
    args = parse_args(argv)
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("wordviews").getOrCreate()
    try:
        return run_job(spark, args)
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main())
