"""Who owns the output, one writer, consistent readers (issue 9).

`wordviews run --out DIR` replaces DIR only when it is absent, empty or a
wordviews output; holds `.DIR.wv-lock` beside DIR for its whole run; judges
staging folders by their flock, never by pids; and readers (`check`, `query`,
`report`) read one version even while DIR is republished. Every test runs real
processes; none has a wall-clock limit (waits are bounded by counts or by
events: a staging folder appearing, a process exiting)."""
import json
import os
import random
import resource
import signal
import subprocess
import sys
import threading
import time

import pyarrow.parquet as pq
import pytest

from conftest import manifest, snapshot

EXIT_INPUT, EXIT_OUTPUT = 3, 5
STAGING = ".wv-staging-"


# ---- helpers ------------------------------------------------------------------


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, wv):
    """Two small inputs with different row counts (versions A and B)."""
    d = tmp_path_factory.mktemp("inputs")
    a, b = d / "a.csv", d / "b.csv"
    wv("generate", "--rows", 20000, "--seed", 3, "--out", a, "-q")
    wv("generate", "--rows", 6000, "--seed", 4, "--out", b, "-q")
    return a, b


@pytest.fixture(scope="module")
def big_input(tmp_path_factory, wv):
    """An input that takes a while to run on one thread: a run to interrupt."""
    f = tmp_path_factory.mktemp("big") / "big.csv"
    wv("generate", "--rows", 400000, "--seed", 5, "--out", f, "-q")
    return f


def debris(parent, name="out"):
    """Staging folders and lock files of output `name` left in `parent`."""
    return sorted(p.name for p in parent.iterdir()
                  if p.name.startswith(f".{name}{STAGING}") or p.name == f".{name}.wv-lock")


def assert_refused(proc, *words):
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == EXIT_OUTPUT, f"exit {proc.returncode}\n{err}"
    assert "refusing to replace it" in err or "another wordviews run" in err, err
    for w in words:
        assert w in err, f"{w!r} not in {err!r}"


def assert_good(wv, out):
    """`out` is a complete output: check passes and input = fact + quarantine rows."""
    wv("check", out)
    m = manifest(out)
    fact = pq.read_table(out / "fact_wordviews").num_rows
    quarantine = pq.read_table(out / "quarantine").num_rows
    assert m["rows"]["input"] == fact + quarantine
    assert m["rows"]["accepted"] == fact and m["rows"]["rejected"] == quarantine
    return m


def wait_for_staging(proc, parent, name="out"):
    """Blocks until `proc` has a staging folder beside `parent/name` (or exits)."""
    while proc.poll() is None:
        if any(p.name.startswith(f".{name}{STAGING}") for p in parent.iterdir()):
            return True
        time.sleep(0.005)
    return False


def start_run(wv_bin, traces, out, *extra):
    return subprocess.Popen([wv_bin, "run", "--traces", str(traces), "--out", str(out), "--quiet",
                             *map(str, extra)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


# A process that holds an flock (exclusive) on `path` until its stdin closes:
# another writer, perhaps in another pid namespace.
HOLDER = r"""
import fcntl, os, sys
path = sys.argv[1]
if sys.argv[2] == "dir":
    os.makedirs(path, exist_ok=True)
    open(os.path.join(path, "part.parquet"), "w").write("in progress")
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
else:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


def hold_lock(path, kind):
    p = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), kind], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "locked"
    return p


def release(holder):
    holder.stdin.close()
    holder.wait()


@pytest.fixture
def good(tmp_path, wv, inputs):
    """A published output of version A at tmp_path/out."""
    out = tmp_path / "out"
    wv("run", "--traces", inputs[0], "--out", out, "--quiet")
    return out


# ---- ours only -------------------------------------------------------------------


def test_a_folder_of_documents_is_refused_before_any_input_is_read(wv, tmp_path):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "notes.txt").write_text("my notes")
    (docs / "a.txt").write_text("more")
    # A truncated gzip: reading it would be an input error (exit 3), so exit 5
    # shows the refusal came before any input was read.
    bad = tmp_path / "cut.csv.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 20)
    before = snapshot(tmp_path)
    proc = wv("run", "--traces", bad, "--out", docs, check=False)
    assert_refused(proc, "docs is not a wordviews output (it holds 3 entries, e.g. 'a.txt'")
    assert snapshot(tmp_path) == before


def test_the_folder_holding_the_input_is_refused(wv, tmp_path, inputs):
    data = tmp_path / "data"
    data.mkdir()
    traces = data / "traces.csv"
    traces.write_bytes(inputs[1].read_bytes())
    before = snapshot(tmp_path)
    proc = wv("run", "--traces", traces, "--out", data, check=False)
    assert_refused(proc, "holds the input")
    assert snapshot(tmp_path) == before
    # Even when it is an output of ours: the run would delete its own input.
    wv("run", "--traces", inputs[1], "--out", tmp_path / "out", "--quiet")
    (tmp_path / "out" / "traces.csv").write_bytes(inputs[1].read_bytes())
    before = snapshot(tmp_path)
    proc = wv("run", "--traces", tmp_path / "out" / "traces.csv", "--out", tmp_path / "out",
              check=False)
    assert_refused(proc, "holds the input")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("out", [".", "./", "..", "../work", "../../"])
def test_the_current_folder_and_those_above_it_are_refused(wv, tmp_path, inputs, out):
    work = tmp_path / "work"
    work.mkdir()
    (work / "keep.txt").write_text("x")
    before = snapshot(tmp_path)
    proc = wv("run", "--traces", inputs[1], "--out", out, check=False, cwd=work)
    assert_refused(proc)
    assert snapshot(tmp_path) == before


def test_a_symbolic_link_as_dir_is_refused(wv, tmp_path, inputs, good):
    link = tmp_path / "link"
    link.symlink_to(good)  # even a link to an output of ours: the link would be replaced
    run_id = manifest(good)["run_id"]
    before = snapshot(tmp_path)
    proc = wv("run", "--traces", inputs[1], "--out", link, check=False)
    assert_refused(proc, "link is a symbolic link")
    assert snapshot(tmp_path) == before
    assert manifest(good)["run_id"] == run_id
    assert_good(wv, good)


def test_a_file_as_dir_is_refused(wv, tmp_path, inputs):
    f = tmp_path / "out"
    f.write_text("not a folder")
    before = snapshot(tmp_path)
    proc = wv("run", "--traces", inputs[1], "--out", f, check=False)
    assert_refused(proc, "is a regular file, not a folder")
    assert snapshot(tmp_path) == before


def test_a_folder_with_a_foreign_manifest_is_refused(wv, tmp_path, inputs):
    out = tmp_path / "out"
    out.mkdir()
    (out / "_manifest.json").write_text('{"written_by": "spark"}')
    before = snapshot(tmp_path)
    proc = wv("run", "--traces", inputs[1], "--out", out, check=False)
    assert_refused(proc, "is not a wordviews manifest")
    assert snapshot(tmp_path) == before


def mount_tmpfs(path):
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(path)],
                          capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode(errors='replace')}")


def test_mounts_are_refused_and_never_entered(wv, tmp_path, inputs, good):
    if os.geteuid() != 0:
        pytest.skip("mounting needs root")
    # A folder holding a mount point, and a mount point as DIR.
    holder = tmp_path / "holder"
    (holder / "mnt").mkdir(parents=True)
    mount_tmpfs(holder / "mnt")
    mounted = tmp_path / "mounted"
    mounted.mkdir()
    mount_tmpfs(mounted)
    try:
        (holder / "mnt" / "precious").write_text("x")
        before = snapshot(tmp_path)
        assert_refused(wv("run", "--traces", inputs[1], "--out", holder, check=False),
                       "is not a wordviews output")
        assert_refused(wv("run", "--traces", inputs[1], "--out", mounted, check=False),
                       "is a mount point")
        assert snapshot(tmp_path) == before
        # An output of ours with a file system mounted inside: replaced, but
        # the removal of the old tree does not enter the mount.
        (good / "mnt").mkdir()
        mount_tmpfs(good / "mnt")
        (good / "mnt" / "precious").write_text("keep me")
        proc = wv("run", "--traces", inputs[1], "--out", good, "--quiet")
        assert proc.returncode == 0
        assert_good(wv, good)
        kept = [p for p in tmp_path.iterdir() if p.name.startswith(f".out{STAGING}")]
        assert len(kept) == 1 and (kept[0] / "mnt" / "precious").read_text() == "keep me"
        subprocess.run(["umount", str(kept[0] / "mnt")], check=True)
        wv("run", "--traces", inputs[0], "--out", good, "--quiet")
        assert debris(tmp_path) == []
    finally:
        for m in [holder / "mnt", mounted]:
            subprocess.run(["umount", str(m)], capture_output=True)


def test_an_empty_folder_is_accepted(wv, tmp_path, inputs):
    out = tmp_path / "out"
    out.mkdir()
    wv("run", "--traces", inputs[1], "--out", out, "--quiet")
    assert_good(wv, out)
    assert debris(tmp_path) == []


def test_a_previous_output_is_replaced_whole(wv, tmp_path, inputs, good):
    first = manifest(good)
    (good / "report.html").write_text("an extra file of ours")
    wv("run", "--traces", inputs[1], "--out", good, "--quiet")
    second = assert_good(wv, good)
    assert second["run_id"] != first["run_id"]
    assert second["rows"]["input"] != first["rows"]["input"]
    assert not (good / "report.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging, no lock file


# ---- one writer ----------------------------------------------------------------------


def test_a_second_writer_fails_at_once_and_the_first_completes(wv, wv_bin, tmp_path, inputs,
                                                               big_input, good):
    first = start_run(wv_bin, big_input, good, "--threads", 1)
    assert wait_for_staging(first, tmp_path), first.communicate()
    first.send_signal(signal.SIGSTOP)  # hold it mid-run, deterministically
    try:
        staging = debris(tmp_path)
        proc = wv("run", "--traces", inputs[1], "--out", good, check=False)
        assert_refused(proc, "another wordviews run is writing", "--wait")
        assert debris(tmp_path) == staging  # the first run's staging is untouched
        assert_good(wv, good)  # readers still see the previous output
    finally:
        first.send_signal(signal.SIGCONT)
    _, err = first.communicate()
    assert first.returncode == 0, err
    m = assert_good(wv, good)
    assert m["rows"]["input"] == 400000
    assert debris(tmp_path) == []


def test_a_second_writer_waits_with_wait(wv, wv_bin, tmp_path, inputs, good):
    holder = hold_lock(tmp_path / ".out.wv-lock", "file")
    waiter = start_run(wv_bin, inputs[1], good, "--wait", 600)
    for _ in range(20):  # it keeps waiting while the lock is held
        time.sleep(0.01)
        assert waiter.poll() is None
    release(holder)
    _, err = waiter.communicate()
    assert waiter.returncode == 0, err
    assert assert_good(wv, good)["rows"]["input"] == 6000
    assert debris(tmp_path) == []


def test_staging_of_a_killed_run_is_removed_by_the_next(wv, wv_bin, tmp_path, inputs, big_input,
                                                        good):
    before = snapshot(good)
    proc = start_run(wv_bin, big_input, good, "--threads", 1)
    assert wait_for_staging(proc, tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert any(n.startswith(f".out{STAGING}") for n in debris(tmp_path))  # SIGKILL leaves it
    assert snapshot(good) == before
    assert_good(wv, good)
    wv("run", "--traces", inputs[1], "--out", good, "--quiet")
    assert_good(wv, good)
    assert debris(tmp_path) == []


def test_live_staging_of_a_run_in_another_pid_namespace_is_kept(wv, tmp_path, inputs, good):
    # Its pid (above any pid_max) is not visible here; only its lock says it lives.
    theirs = tmp_path / f".out{STAGING}99999999-00c0ffee"
    holder = hold_lock(theirs, "dir")
    try:
        wv("run", "--traces", inputs[1], "--out", good, "--quiet")
        assert_good(wv, good)
        assert (theirs / "part.parquet").read_text() == "in progress"
    finally:
        release(holder)
    wv("run", "--traces", inputs[0], "--out", good, "--quiet")  # now it is stale
    assert not theirs.exists()
    assert debris(tmp_path) == []


# ---- signals and resource exhaustion -------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_remove_the_staging_folder(wv, wv_bin, tmp_path, big_input, good, sig):
    before = snapshot(good)
    proc = start_run(wv_bin, big_input, good, "--threads", 1)
    assert wait_for_staging(proc, tmp_path)
    proc.send_signal(sig)
    proc.wait()
    assert proc.returncode == -sig  # it still dies of the signal
    assert debris(tmp_path) == []
    assert snapshot(good) == before
    assert_good(wv, good)


def test_running_out_of_memory_or_threads_leaves_no_staging(wv, wv_bin, tmp_path, inputs, good):
    """Address-space limits that make thread creation, then allocations, fail
    at different points: whatever the outcome, no staging and no lock remain,
    and a failed run leaves the previous output as it was."""
    outcomes = set()
    for mb in [40, 80, 120, 160, 200, 240, 400]:
        before = snapshot(good)

        def limit(mb=mb):
            resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20))

        proc = subprocess.run([wv_bin, "run", "--traces", str(inputs[0]), "--out", str(good),
                               "--quiet", "--threads", "8"], preexec_fn=limit, capture_output=True)
        outcomes.add(proc.returncode == 0)
        assert debris(tmp_path) == [], (mb, proc.returncode, proc.stderr[-500:])
        if proc.returncode != 0:
            assert snapshot(good) == before, mb
        assert_good(wv, good)
    assert False in outcomes  # some limit did make the run fail


# ---- consistent readers ----------------------------------------------------------------


def test_readers_see_one_version_while_a_writer_republishes(wv, wv_bin, tmp_path, inputs):
    """One process republishes A, B, A, ... while two others run `check` and
    `query` in a loop: every read is one complete version."""
    expected = {}
    for name, traces in zip("AB", inputs):
        ref = tmp_path / f"ref_{name}"
        wv("run", "--traces", traces, "--out", ref, "--quiet")
        pairs = wv("query", ref, "pairs", "--format", "csv").stdout
        expected[pairs] = name
    assert len(expected) == 2
    out = tmp_path / "out"
    wv("run", "--traces", inputs[0], "--out", out, "--quiet")

    reads_per_reader, min_publishes = 110, 6
    done = threading.Event()
    publishes = []
    failures = []
    seen = {"A": 0, "B": 0}
    reads_done, lock = [0], threading.Lock()

    def writer():
        i = 1
        while not done.is_set():
            proc = subprocess.run([wv_bin, "run", "--traces", str(inputs[i % 2]), "--out",
                                   str(out), "--quiet"], capture_output=True)
            if proc.returncode != 0:
                failures.append(("run", proc.returncode, proc.stderr[-300:]))
            publishes.append(i)
            i += 1

    def reader(kind):
        reads = 0
        # Bounded by counts: enough reads, overlapping enough publishes.
        while reads < reads_per_reader or (len(publishes) < min_publishes and not failures):
            reads += 1
            with lock:
                reads_done[0] += 1
            if kind == "check":
                proc = subprocess.run([wv_bin, "check", str(out)], capture_output=True)
                if proc.returncode != 0:
                    failures.append(("check", proc.returncode, proc.stdout[-300:] + proc.stderr[-300:]))
            else:
                proc = subprocess.run([wv_bin, "query", str(out), "pairs", "--format", "csv"],
                                      capture_output=True)
                version = expected.get(proc.stdout)
                if proc.returncode != 0 or version is None:
                    failures.append(("query", proc.returncode, proc.stderr[-300:]))
                else:
                    seen[version] += 1

    w = threading.Thread(target=writer)
    readers = [threading.Thread(target=reader, args=(k,)) for k in ("check", "query")]
    w.start()
    for r in readers:
        r.start()
    for r in readers:
        r.join()
    done.set()
    w.join()
    print(f"stress: {reads_done[0]} reads, {len(publishes)} publishes, "
          f"query saw A {seen['A']} / B {seen['B']} times, {len(failures)} failures")
    assert failures == []
    assert reads_done[0] >= 2 * reads_per_reader
    assert len(publishes) >= min_publishes  # the reads did overlap republishing
    assert seen["A"] > 0 and seen["B"] > 0
    wv("run", "--traces", inputs[0], "--out", out, "--quiet")  # no reader: the next run cleans up
    assert debris(tmp_path) == []


def test_kills_at_random_points_never_break_the_output(wv, wv_bin, tmp_path, inputs):
    """SIGKILL, SIGTERM and SIGINT after random delays (bounded by count): after
    each, DIR is one complete version, and the next run succeeds and leaves
    neither staging nor a lock file behind."""
    rng = random.Random(20240509)
    out = tmp_path / "out"
    wv("run", "--traces", inputs[0], "--out", out, "--quiet")
    t0 = time.monotonic()
    wv("run", "--traces", inputs[1], "--out", out, "--quiet")
    span = (time.monotonic() - t0) * 1.3  # a run's length: delays land before, in and after it
    kills = [signal.SIGKILL, signal.SIGTERM, signal.SIGINT] * 8
    rng.shuffle(kills)
    for n, sig in enumerate(kills):
        previous = manifest(out)["run_id"]
        traces = inputs[n % 2]
        proc = start_run(wv_bin, traces, out)
        time.sleep(rng.uniform(0, span))
        proc.send_signal(sig)
        _, err = proc.communicate()
        assert proc.returncode in (0, -sig), (sig, proc.returncode, err)
        now = assert_good(wv, out)  # one complete version, whichever
        if proc.returncode != 0 and now["run_id"] != previous:
            # Killed after the exchange: the new version is complete.
            assert now["rows"]["input"] == (20000 if n % 2 == 0 else 6000)
        if sig != signal.SIGKILL:
            assert debris(tmp_path) == [], (n, sig)
        wv("run", "--traces", inputs[(n + 1) % 2], "--out", out, "--quiet")
        assert_good(wv, out)
        assert debris(tmp_path) == [], (n, sig)


def test_check_never_reads_outside_the_output(wv, tmp_path, good):
    """A manifest path that leaves DIR, or a listed file that is a link out of
    it, is a mismatch (exit 6), never a read of what lies outside."""
    secret = tmp_path / "secret.parquet"
    m = manifest(good)
    victim = m["tables"]["dim_langs"]["files"][0]["path"]
    secret.write_bytes((good / victim).read_bytes())  # same bytes: a read would pass
    m["tables"]["dim_langs"]["files"][0]["path"] = "../secret.parquet"
    (good / "_manifest.json").write_text(json.dumps(m))
    proc = wv("check", good, check=False)
    assert proc.returncode == 6
    # Refused as a path (check trusts nothing), never opened.
    assert b"manifest.path:../secret.parquet" in proc.stdout
    assert b"../secret.parquet.present" not in proc.stdout
    m["tables"]["dim_langs"]["files"][0]["path"] = victim
    (good / "_manifest.json").write_text(json.dumps(m))
    (good / victim).unlink()
    (good / victim).symlink_to(secret)
    proc = wv("check", good, check=False)
    assert proc.returncode == 6
    assert f"{victim}.present".encode() in proc.stdout
