"""The distributed run's primitives without Spark: a scheduler in a Python loop (the driver's own
pure functions) runs `wordviews shard` per split, the dedup of the fingerprints, `shard --losers` for
the splits that need it, and `wordviews merge`; the output must equal a single `wordviews run` over
the same inputs value by value (DuckDB), pass `wordviews check`, and not depend on a repeated attempt
of a split. Refusals: OUT not ours, an attempt folder reused, a split of another run."""
import os
import pathlib
import shutil
import subprocess

import pytest

from conftest import manifest
from dist_support import assert_same_output, make_inputs, table_rows, wordviews_spark as ws


def schedule(wv_bin, inputs, out, work, run_id="r-loop", repeat_split=None, merge_flags=(), shard_flags=(),
             split_bytes="0"):
    """The shell-loop scheduler; with repeat_split, that split's first step runs twice (a retry or
    a speculative copy) and the second attempt's report comes first; with split_bytes, large plain
    files are cut into byte ranges as the Spark driver cuts them."""
    chosen, losers = run_splits(wv_bin, inputs, work, run_id, repeat_split, shard_flags, split_bytes)
    return ws.run_merge(wv_bin, str(out), run_id, chosen, merge_flags), losers, chosen


def run_splits(wv_bin, inputs, work, run_id, repeat_split=None, shard_flags=(), split_bytes="0"):
    """schedule() up to the merge: the chosen attempt of every split, and the losers (merge checks the
    chosen attempts' files against their reports)."""
    os.makedirs(work, exist_ok=True)  # a scheduler's work folder exists before any task
    splits = ws.plan_splits(inputs, ws.parse_bytes(split_bytes), wv_bin)
    reports = []
    for s in splits:
        reports.append(ws.run_shard(wv_bin, work, run_id, s, "0", extra=shard_flags))
        if s["split"] == repeat_split:
            reports.insert(len(reports) - 1, ws.run_shard(wv_bin, work, run_id, s, "1"))
    first = ws.choose_first(reports, len(splits))
    losers = ws.dedup_locally(first)
    chosen = list(first)
    for split, loser in losers.items():
        path = ws.write_losers(work, split, loser, splits)
        chosen[split] = ws.run_shard(wv_bin, work, run_id, splits[split], "0", path, extra=shard_flags)
    return chosen, losers


@pytest.fixture(scope="module")
def case(tmp_path_factory, run_wv):
    root = tmp_path_factory.mktemp("dist-loop")
    inputs = make_inputs(run_wv, root)
    single = root / "single"
    run_wv("run", "--traces", *inputs, "--out", single, "--quiet")
    return root, inputs, single


def test_loop_scheduler_equals_one_run(case, wv_bin, run_wv):
    root, inputs, single = case
    out, work = root / "dist", root / "work"
    merged, losers, _ = schedule(wv_bin, inputs, out, work)
    assert merged.returncode == 0, merged.stderr
    # Cross-split duplicates in both directions: split 1 repeats split 0 (split 1 loses) and split 3
    # (split 3 loses).
    assert set(losers) == {1, 3}
    assert_same_output(single, out)
    run_wv("check", out)
    dups = [r for r in table_rows(out, "quarantine") if "duplicate of line" in str(r)]
    assert any(inputs[3] in str(r) for r in dups) and any(inputs[0] in str(r) for r in dups)


def test_repeated_attempt_changes_nothing(case, wv_bin):
    root, inputs, single = case
    out, work = root / "dist-retry", root / "work-retry"
    merged, _, chosen = schedule(wv_bin, inputs, out, work, repeat_split=2)
    assert merged.returncode == 0, merged.stderr
    assert chosen[2]["attempt_dir"].endswith("attempt-1")  # the first report received was chosen
    assert_same_output(single, out)


def test_splits_that_spill(tmp_path, wv_bin, run_wv):
    """Shards whose duplicate detection spills to disk (--memory-limit 1M: about 14k rows in memory)
    and a merge whose session log spills give the same output: the cross-split history is asked on
    the spilled path too."""
    inputs = make_inputs(run_wv, tmp_path, rows=(30000, 2000, 20000))
    single, out, work = tmp_path / "single", tmp_path / "dist", tmp_path / "work"
    run_wv("run", "--traces", *inputs, "--out", single, "--quiet")
    merged, losers, chosen = schedule(wv_bin, inputs, out, work, "r-spill", shard_flags=["--memory-limit", "1M"],
                                      merge_flags=["--memory-limit", "1M", "--tmp-dir", str(tmp_path)])
    assert merged.returncode == 0, merged.stderr
    # The merge's session log spilled too (a tenth of 1M is ~6k records; the run has ~50k rows),
    # and its spill folder is gone.
    assert [p.name for p in tmp_path.iterdir() if "spill" in p.name] == []
    assert set(losers) == {1, 3}
    assert chosen[0]["spilled"] and chosen[3]["spilled"]
    assert_same_output(single, out)


def traced_merge(wv_bin, out, run_id, chosen, flags, trace):
    """`wordviews merge` under strace: the merge and the names of the spill files it created."""
    cmd = ["strace", "-f", "-qq", "-e", "trace=openat", "-o", str(trace), wv_bin, "merge", "--out", str(out),
           "--run-id", run_id, *[a for r in chosen for a in ("--split", r["attempt_dir"])], *map(str, flags)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    created = {line.split('"')[1].rsplit("/", 1)[1] for line in trace.read_text().splitlines()
               if "O_CREAT" in line and ".wv-spill-" in line}
    return proc, created


@pytest.mark.skipif(not shutil.which("strace"), reason="no strace")
def test_merge_whose_users_spill(tmp_path, wv_bin, run_wv):
    """A merge under a tiny --memory-limit (1M: its users get a tenth: ~600 of the ~4,100 users) moves
    the users and their sessions to the run's users spill (model/users_spill: its 256 partitions are
    created, strace sees them) and streams every dims.bin: its output equals one in-memory run's value
    by value, and its spill folder is gone after it succeeds, after it fails once the users spilled (a
    dims.bin cut short: exit 3), and after it fails its quality gate (exit 4); OUT is then untouched."""
    inputs = make_inputs(run_wv, tmp_path, rows=(30000, 2000, 20000), users=4000)
    single, out, work, spill = tmp_path / "single", tmp_path / "dist", tmp_path / "work", tmp_path / "spill"
    spill.mkdir()
    run_wv("run", "--traces", *inputs, "--out", single, "--quiet")
    chosen, losers = run_splits(wv_bin, inputs, work, "r-users")
    assert set(losers) == {1, 3}
    flags = ["--memory-limit", "1M", "--tmp-dir", spill]
    merged, created = traced_merge(wv_bin, out, "r-users", chosen, flags, tmp_path / "trace")
    assert merged.returncode == 0, merged.stderr
    assert len({f for f in created if f.startswith("users-") and f.endswith(".part")}) == 256, sorted(created)
    assert os.listdir(spill) == []
    assert len(table_rows(single, "dim_users")) > 4000  # the files share their user ids
    assert_same_output(single, out)
    run_wv("check", out)
    before = sorted((p.relative_to(out), p.stat().st_mtime_ns) for p in out.rglob("*"))

    gate, created = traced_merge(wv_bin, out, "r-users", chosen, flags + ["--max-bad-ratio", "0.0001"],
                                 tmp_path / "trace-gate")
    assert gate.returncode == 4, gate.stderr
    assert any(f.startswith("users-") for f in created)
    assert os.listdir(spill) == []

    dims = pathlib.Path(chosen[-1]["attempt_dir"]) / "dims.bin"
    dims.write_bytes(dims.read_bytes()[:-5])  # the last split's: the users spilled before it
    cut, created = traced_merge(wv_bin, out, "r-users", chosen, flags, tmp_path / "trace-cut")
    assert cut.returncode == 3, cut.stderr
    assert "cut short" in cut.stderr and str(dims) in cut.stderr
    assert any(f.startswith("users-") for f in created)
    assert os.listdir(spill) == []
    assert sorted((p.relative_to(out), p.stat().st_mtime_ns) for p in out.rglob("*")) == before


def test_refusals(case, wv_bin, run_wv):
    root, inputs, _ = case
    work = root / "work-refuse"
    split = ws.plan_splits(inputs)[0]
    os.makedirs(work)
    first = ws.run_shard(wv_bin, work, "r-x", split, "0")
    with pytest.raises(RuntimeError, match="exit 5"):  # an attempt never writes where another did
        ws.run_shard(wv_bin, work, "r-x", split, "0")
    # A folder that is not ours is refused before anything is written, by the preflight and by merge.
    foreign = root / "foreign"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me")
    pre = ws.preflight(wv_bin, str(foreign), inputs)
    assert pre.returncode == 5, pre.stderr
    reports = [ws.run_shard(wv_bin, work, "r-x", s, "0") for s in ws.plan_splits(inputs)[1:]]
    chosen = [first] + reports
    merged = ws.run_merge(wv_bin, str(foreign), "r-x", chosen)
    assert merged.returncode == 5, merged.stderr
    assert sorted(os.listdir(foreign)) == ["precious.txt"]
    # A split of another run id is not merged.
    merged = ws.run_merge(wv_bin, str(root / "other"), "r-other", chosen)
    assert merged.returncode == 3 and "not a split of run" in merged.stderr
    assert not (root / "other").exists()


def test_quality_gate_over_the_whole(case, wv_bin):
    root, inputs, single = case
    out, work = root / "dist-gate", root / "work-gate"
    m = manifest(single)
    # The gate's share leaves duplicates out (docs/PIPELINE.md); half of the whole run's share fails
    # it, though no single split need exceed it.
    share = (m["rows"]["rejected"] - m["rejected_by_reason"]["duplicate"]) / m["rows"]["input"]
    merged, _, _ = schedule(wv_bin, inputs, out, work, "r-g", merge_flags=["--max-bad-ratio", f"{share / 2}"])
    assert merged.returncode == 4, merged.stderr
    assert "rejected_share" in merged.stderr
    assert not out.exists()
    shutil.rmtree(work)


def test_s3_inputs(case, wv_bin, run_wv, s3, s3_bucket, s3_env, monkeypatch):
    """The inputs as objects on the test S3 server (uploaded with boto3), the output local: the loop
    scheduler's output equals a single run over the same s3:// inputs."""
    root, inputs, _ = case
    urls = []
    for path in inputs:
        key = f"in/{os.path.basename(path)}"
        s3.upload_file(path, s3_bucket, key)
        urls.append(f"s3://{s3_bucket}/{key}")
    for name, value in s3_env.items():
        monkeypatch.setenv(name, value)
    single, out, work = root / "single-s3", root / "dist-s3", root / "work-s3"
    proc = run_wv("run", "--traces", *urls, "--out", single, "--quiet", env=dict(os.environ))
    assert proc.returncode == 0
    merged, losers, _ = schedule(wv_bin, urls, out, work, "r-s3")
    assert merged.returncode == 0, merged.stderr
    assert set(losers) == {1, 3}
    assert_same_output(single, out)
    assert all(i["path"].startswith("s3://") for i in manifest(out)["inputs"])


def test_s3_prefix_and_glob_inputs(case, wv_bin, run_wv, s3, s3_bucket, s3_env, monkeypatch):
    """An s3:// prefix and a key glob as inputs: the driver lists them through the binary (`shard
    --list`, run's own expansion) into one input per object, in key order; the loop scheduler's output
    over them equals a single run over the same two arguments. A pattern matching nothing is refused."""
    root, inputs, _ = case
    for path in inputs:
        s3.upload_file(path, s3_bucket, f"pre/{os.path.basename(path)}")
    s3.upload_file(inputs[1], s3_bucket, "glob/repeats.csv")  # every row a cross-split duplicate
    s3.upload_file(inputs[0], s3_bucket, "glob/part0.csv")  # not matched by the glob
    for name, value in s3_env.items():
        monkeypatch.setenv(name, value)
    patterns = [f"s3://{s3_bucket}/pre/", f"s3://{s3_bucket}/glob/r*.csv"]
    listed = ws.list_inputs(patterns, wv_bin)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket, Prefix="pre/")["Contents"])
    assert listed == [f"s3://{s3_bucket}/{k}" for k in keys] + [f"s3://{s3_bucket}/glob/repeats.csv"]
    single, out, work = root / "single-s3-prefix", root / "dist-s3-prefix", root / "work-s3-prefix"
    run_wv("run", "--traces", *patterns, "--out", single, "--quiet", env=dict(os.environ))
    merged, losers, _ = schedule(wv_bin, listed, out, work, "r-s3-prefix")
    assert merged.returncode == 0, merged.stderr
    assert len(losers[len(listed) - 1]) > 0
    assert_same_output(single, out)
    assert [i["path"] for i in manifest(out)["inputs"]] == listed
    with pytest.raises(SystemExit, match="cannot list"):
        ws.list_inputs([f"s3://{s3_bucket}/glob/none*.csv"], wv_bin)


def test_s3_work_dir_is_a_prefix(tmp_path):
    """An s3:// --work-dir is a prefix (with a local or an s3:// OUT): the run's work "folder" is the
    prefix .wv-dist-<OUT>-<run id> under it, and nothing is created locally (never a folder 's3:')."""
    run_id = "20200101T000000Z-dist-00000000"
    for out, label in ((str(tmp_path / "out"), str(tmp_path / "out").strip("/").replace("/", "_")),
                       ("s3://bucket/out", "s3-bucket_out")):
        assert ws.work_folder(out, run_id, "s3://bucket/work/") == f"s3://bucket/work/.wv-dist-{label}-{run_id}"
        work, lock = ws.create_work_folder(out, run_id, "s3://bucket/work")
        assert work == f"s3://bucket/work/.wv-dist-{label}-{run_id}" and lock is None
        assert ws.remove_stale_work_folders(out, "s3://bucket/work") == []
    assert os.listdir(tmp_path) == [] and not os.path.exists("s3:")


def test_stale_work_folders(tmp_path):
    """A dead driver's work folder (its lock free) is removed by the next driver of the same OUT; a
    live driver's (lock held), a folder without our lock file, and names not of our exact shape stay."""
    out = tmp_path / "out"
    dead = tmp_path / ".wv-dist-out-20200101T000000Z-dist-0123abcd"
    (dead / "first" / "split-00000").mkdir(parents=True)
    (dead / ".lock").write_text("")
    (dead / "first" / "split-00000" / "x").write_text("left by a killed driver")
    live, lock = ws.create_work_folder(str(out), "20200101T000001Z-dist-4567abcd")
    unlocked = tmp_path / ".wv-dist-out-20200101T000002Z-dist-89abcdef"
    unlocked.mkdir()
    (unlocked / "data").write_text("no lock file: not known to be ours")
    other_shape = tmp_path / ".wv-dist-out-keep"
    other_shape.mkdir()
    (other_shape / ".lock").write_text("")
    other_out = tmp_path / ".wv-dist-outer-20200101T000000Z-dist-0123abcd"  # another OUT's
    other_out.mkdir()
    (other_out / ".lock").write_text("")
    try:
        assert ws.remove_stale_work_folders(str(out)) == [str(dead)]
        assert not dead.exists()
        assert os.path.isdir(live) and unlocked.is_dir() and other_shape.is_dir() and other_out.is_dir()
    finally:
        lock.close()
    assert ws.remove_stale_work_folders(str(out)) == [live]


def test_a_task_after_its_work_folder_is_gone_creates_nothing(tmp_path, wv_bin, run_wv):
    """A shard task still running after its driver removed the work folder fails instead of
    building a lock-less tree there that no cleanup would recognise; the driver's folder is created
    already locked (never visible to another driver's cleanup unlocked)."""
    inputs = make_inputs(run_wv, tmp_path, rows=(2000, 100, 100))
    work = tmp_path / ".wv-dist-out-20200101T000003Z-dist-00000000"
    with pytest.raises(FileNotFoundError):
        ws.run_shard(wv_bin, str(work), "r-late", ws.plan_splits(inputs)[0], "0")
    assert not work.exists()
    live, lock = ws.create_work_folder(str(tmp_path / "out"), "20200101T000004Z-dist-11111111")
    try:
        assert [n for n in os.listdir(tmp_path) if ".creating-" in n] == []
        assert os.listdir(live) == [".lock"]
        assert ws.remove_stale_work_folders(str(tmp_path / "out")) == []  # its lock is held
    finally:
        lock.close()


def test_linked_file_changed_after_its_report(case, wv_bin, tmp_path):
    """A local attempt's fact file is hard-linked by merge, not read by the link: one changed after its
    attempt reported it (a byte flipped, same size) is still caught, by the staged output's verification
    that reads every listed file against the split's manifest record, which merge matched to the report
    (exit 3, nothing published); a report whose record of a file differs from the split's manifest is
    refused before anything is staged."""
    _, inputs, _ = case
    chosen, _ = run_splits(wv_bin, inputs, tmp_path / "work", "r-changed")
    fact = next(f for f in chosen[2]["files"] if f["path"].startswith("out/fact_wordviews/"))
    path = pathlib.Path(chosen[2]["attempt_dir"]) / fact["path"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    original = path.read_bytes()
    path.write_bytes(bytes(data))
    merged = ws.run_merge(wv_bin, str(tmp_path / "out"), "r-changed", chosen)
    assert merged.returncode == 3, merged.stderr
    assert "changed after its attempt reported it" in merged.stderr and "part-s00002" in merged.stderr
    assert not (tmp_path / "out").exists()
    path.write_bytes(original)
    lying = [dict(r, files=[dict(f, crc32=f["crc32"] ^ 1) if f["path"] == fact["path"] else f for f in r["files"]])
             if r is chosen[2] else r for r in chosen]
    merged = ws.run_merge(wv_bin, str(tmp_path / "out"), "r-changed", lying)
    assert merged.returncode == 3 and "differs from its attempt's report" in merged.stderr
    assert not (tmp_path / "out").exists()
    assert ws.run_merge(wv_bin, str(tmp_path / "out"), "r-changed", chosen).returncode == 0
