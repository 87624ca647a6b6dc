"""`run --append` (issue 12): N appends make the same tables, value by value, as one run over
the N inputs; duplicates are found across batches; appending an input again is a no-op;
a killed append leaves the previous version; `check` verifies an appended output in full.

The oracle is DuckDB reading both outputs' Parquet files (not the project's reader)."""
import datetime as dt
import json
import os
import pathlib
import random
import shutil
import signal
import subprocess
import time
import zlib

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import manifest, snapshot

TABLES = ["fact_wordviews", "dim_users", "dim_times", "dim_langs", "dim_words", "quarantine"]


def write_batches(src, folder, cuts, copies):
    """Splits the CSV `src` at the data-line indices `cuts` into batch files (each with the
    header); `copies` maps a batch index to data lines (indices into src) appended to it again,
    some re-quoted, so they repeat rows of earlier batches. Returns the batch paths."""
    lines = src.read_bytes().splitlines(keepends=True)  # bytes: dirty rows hold invalid UTF-8
    header, rows = lines[0], lines[1:]
    bounds = [0, *cuts, len(rows)]
    paths = []
    for b in range(len(bounds) - 1):
        body = rows[bounds[b]:bounds[b + 1]]
        for n, i in enumerate(copies.get(b, [])):
            row = rows[i].rstrip(b"\r\n")
            if n % 2 == 1:  # the same values, quoted differently: still a duplicate
                fields = row.split(b",")
                if len(fields) == 12 and b'"' not in row:
                    fields[3] = b'"' + fields[3] + b'"'
                    row = b",".join(fields)
            body.append(row + b"\n")
        path = folder / f"batch{b}.csv"
        path.write_bytes(header + b"".join(body))
        paths.append(path)
    return paths


def read_table(con, out, table, drop_batch=True):
    """Every row of `table` in output `out` as a sorted list of tuples (DuckDB), without
    batch_id (it names the run that added the row, which legitimately differs)."""
    pattern = f"{out}/{table}/**/*.parquet" if table == "fact_wordviews" else f"{out}/{table}/*.parquet"
    rel = con.sql(f"SELECT * FROM read_parquet('{pattern}', hive_partitioning = false)")
    cols = [c for c in rel.columns if not (drop_batch and c == "batch_id")]
    rows = con.sql("SELECT " + ", ".join(f'"{c}"' for c in cols) + " FROM rel").fetchall()
    return cols, sorted(rows, key=repr)


def assert_same_tables(one, appended):
    con = duckdb.connect()
    for table in TABLES:
        cols_a, a = read_table(con, one, table)
        cols_b, b = read_table(con, appended, table)
        assert cols_a == cols_b, table
        assert len(a) == len(b), (table, len(a), len(b))
        diff = [(x, y) for x, y in zip(a, b) if x != y]
        assert not diff, (table, diff[:3])


def check_ok(run_wv, out):
    proc = run_wv("check", out, "--json", check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    return proc


@pytest.fixture(scope="module")
def dirty(tmp_path_factory, wv_bin):
    folder = tmp_path_factory.mktemp("append")
    src = folder / "all.csv"
    subprocess.run([wv_bin, "generate", "--rows", "60000", "--seed", "7", "--days", "4",
                    "--dirty-rate", "0.03", "--out", str(src), "--quiet"], check=True)
    n = len(src.read_bytes().splitlines()) - 1
    # Cuts at a third and two thirds of four days of data: days span two batches.
    cuts = [n // 3, 2 * n // 3]
    rng = random.Random(12)
    copies = {1: rng.sample(range(0, n // 3), 40), 2: rng.sample(range(0, 2 * n // 3), 60)}
    return folder, write_batches(src, folder, cuts, copies)


def test_appends_equal_one_run_value_by_value(run_wv, dirty, tmp_path):
    folder, batches = dirty
    one, appended = tmp_path / "one", tmp_path / "appended"
    run_wv("run", "--traces", *batches, "--out", one, "--quiet")
    for b in batches:
        run_wv("run", "--traces", b, "--out", appended, "--append", "--quiet")
    assert_same_tables(one, appended)

    m = manifest(appended)
    assert [b["inputs"][0]["path"] for b in m["batches"]] == [str(b) for b in batches]
    assert len({b["id"] for b in m["batches"]}) == 3
    for key in ("input", "accepted", "rejected"):
        assert sum(b["rows"][key] for b in m["batches"]) == m["rows"][key] == manifest(one)["rows"][key]
    assert m["inputs"] == [i for b in m["batches"] for i in b["inputs"]]
    # Each fact and quarantine row carries its batch's id (pyarrow, not DuckDB).
    for table, key in (("fact_wordviews", "accepted"), ("quarantine", "rejected")):
        ids = pq.read_table(appended / table, columns=["batch_id"]).column("batch_id").to_pylist()
        for b in m["batches"]:
            assert ids.count(b["id"]) == b["rows"][key], (table, b["id"])
    # The quality checks of the appended output are the one run's.
    strip = lambda checks: sorted((c["name"], c["observed"], c["expected"], c["passed"]) for c in checks)
    assert strip(m["quality_checks"]) == strip(manifest(one)["quality_checks"])
    check_ok(run_wv, appended)
    check_ok(run_wv, one)


def test_duplicates_across_batches_keep_the_first(run_wv, dirty, tmp_path):
    folder, batches = dirty
    out = tmp_path / "out"
    for b in batches:
        run_wv("run", "--traces", b, "--out", out, "--append", "--quiet")
    con = duckdb.connect()
    dups = con.sql(f"""SELECT detail, raw_line, batch_id FROM read_parquet('{out}/quarantine/*.parquet')
                       WHERE reason = 'duplicate'""").fetchall()
    ids = [b["id"] for b in manifest(out)["batches"]]
    earlier = [d for d in dups if d[2] == ids[2] and str(batches[0]) in d[0]]
    assert len(earlier) >= 20, "rows of batch 0 copied into batch 2 must be duplicates of batch 0"
    # The detail names the line of the first occurrence: that line of batch 0 is the row.
    lines = batches[0].read_bytes().splitlines()
    for detail, raw, _ in earlier:
        line = int(detail.split("duplicate of line ")[1].split(" ")[0])
        first = lines[line - 1].split(b",")
        assert [f.strip(b'"') for f in first] == [f.strip(b'"') for f in raw.split(b",")]
    # No fact row repeats another's 12 values.
    n = con.sql(f"""SELECT count(*) FROM (SELECT user_id, epoch, lexeme_id, p_recall, delta,
                    history_seen, history_correct, session_seen, session_correct, learning_language,
                    ui_language, count(*) c FROM read_parquet('{out}/fact_wordviews/**/*.parquet')
                    GROUP BY ALL HAVING c > 1)""").fetchall()[0][0]
    assert n == 0


def test_append_of_an_input_appended_before_is_a_no_op(run_wv, dirty, tmp_path):
    folder, batches = dirty
    out = tmp_path / "out"
    run_wv("run", "--traces", batches[0], "--out", out, "--append", "--quiet")
    run_wv("run", "--traces", batches[1], "--out", out, "--append", "--quiet")
    before = snapshot(out)
    # Same bytes under another name count as the same input.
    again = tmp_path / "again.csv"
    again.write_bytes(batches[1].read_bytes())
    for path in (batches[1], again):
        proc = run_wv("run", "--traces", path, "--out", out, "--append")
        assert "nothing to append" in proc.stdout
        assert snapshot(out) == before
    # Some appended, some not: refused (usage error), nothing changed.
    proc = run_wv("run", "--traces", batches[1], batches[2], "--out", out, "--append", check=False)
    assert proc.returncode == 2, proc.stderr
    assert snapshot(out) == before
    check_ok(run_wv, out)


def test_an_input_of_an_earlier_size_but_other_bytes_is_appended(run_wv, dirty, tmp_path):
    """The up-front read for the no-op check happens only for an input of a size an earlier
    batch read; same size with other bytes (two lines swapped) is a new batch."""
    folder, batches = dirty
    out = tmp_path / "out"
    run_wv("run", "--traces", batches[0], "--out", out, "--append", "--quiet")
    lines = batches[0].read_bytes().split(b"\n")
    lines[1], lines[2] = lines[2], lines[1]
    swapped = tmp_path / "swapped.csv"
    swapped.write_bytes(b"\n".join(lines))
    assert swapped.stat().st_size == batches[0].stat().st_size
    proc = run_wv("run", "--traces", swapped, "--out", out, "--append")
    assert "nothing to append" not in proc.stdout
    assert len(manifest(out)["batches"]) == 2
    check_ok(run_wv, out)


def test_append_reads_a_named_pipe_once(run_wv, wv_bin, dirty, tmp_path):
    """A pipe is not read for the no-op check (that would consume its rows before the ingest):
    appending through a FIFO gives the output that appending the file gives."""
    folder, batches = dirty
    by_file, by_pipe = tmp_path / "by_file", tmp_path / "by_pipe"
    for out in (by_file, by_pipe):
        run_wv("run", "--traces", batches[0], "--out", out, "--append", "--quiet")
    run_wv("run", "--traces", batches[1], "--out", by_file, "--append", "--quiet")
    fifo = tmp_path / "batch.fifo"
    os.mkfifo(fifo)
    proc = subprocess.Popen([wv_bin, "run", "--traces", str(fifo), "--out", str(by_pipe),
                             "--append", "--quiet"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    with open(fifo, "wb") as w:  # opens once the run opens its end
        w.write(batches[1].read_bytes())
    _, err = proc.communicate(timeout=600)  # a hang guard: a run that reads the pipe twice waits
    assert proc.returncode == 0, err
    want, got = manifest(by_file), manifest(by_pipe)
    for table in want["tables"]:
        assert got["tables"][table]["rows"] == want["tables"][table]["rows"], table
    check_ok(run_wv, by_pipe)


def test_append_keeps_earlier_files_unchanged(run_wv, dirty, tmp_path):
    folder, batches = dirty
    out = tmp_path / "out"
    run_wv("run", "--traces", batches[0], "--out", out, "--append", "--quiet")
    m0 = manifest(out)
    kept = {f["path"]: (out / f["path"]).stat().st_ino
            for t in ("fact_wordviews", "quarantine") for f in m0["tables"][t]["files"]}
    run_wv("run", "--traces", batches[1], "--out", out, "--append", "--quiet")
    m1 = manifest(out)
    for path, inode in kept.items():  # the same files (hard links), not copies or rewrites
        assert (out / path).stat().st_ino == inode, path
    listed = {f["path"]: f for t in m1["tables"].values() for f in t["files"]}
    for t in ("fact_wordviews", "quarantine"):
        for f in m0["tables"][t]["files"]:
            assert listed[f["path"]] == f
    assert {f["path"] for f in m0["state"]["files"] if "/dedup/" in f["path"]} <= \
        {f["path"] for f in m1["state"]["files"]}


def test_plain_run_is_one_batch(run_wv, dirty, tmp_path):
    folder, batches = dirty
    out = tmp_path / "out"
    run_wv("run", "--traces", batches[0], batches[1], "--out", out, "--quiet")
    m = manifest(out)
    assert len(m["batches"]) == 1
    b = m["batches"][0]
    assert b["id"] == m["run_id"] and b["appended_at"] == m["created_at"]
    assert b["inputs"] == m["inputs"] and b["rows"] == m["rows"]
    # A plain run keeps no append state (it would cost every run ~24 bytes an accepted row)...
    assert not (out / "_state").exists() and not m.get("state", {}).get("files")
    # ...so appending to its output is refused with what to do, and the output is left alone.
    before = snapshot(out)
    proc = run_wv("run", "--traces", batches[2], "--out", out, "--append", check=False)
    assert proc.returncode == 3, proc.stderr
    assert "run --appendable" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert snapshot(out) == before
    check_ok(run_wv, out)
    # Rebuilt --appendable, it grows again, and equals one run over the three inputs.
    run_wv("run", "--traces", batches[0], batches[1], "--out", out, "--appendable", "--quiet")
    assert (out / "_state").is_dir()
    run_wv("run", "--traces", batches[2], "--out", out, "--append", "--quiet")
    check_ok(run_wv, out)
    one = tmp_path / "one"
    run_wv("run", "--traces", *batches[:3], "--out", one, "--quiet")
    assert_same_tables(one, out)


def test_check_finds_a_tampered_batch_list_and_state(run_wv, dirty, tmp_path):
    folder, batches = dirty
    out = tmp_path / "out"
    for b in batches[:2]:
        run_wv("run", "--traces", b, "--out", out, "--append", "--quiet")
    path = out / "_manifest.json"
    good = path.read_text()
    m = json.loads(good)
    m["batches"][0]["rows"]["accepted"] += 1
    path.write_text(json.dumps(m))
    proc = run_wv("check", out, check=False)
    assert proc.returncode == 6 and "batches.accepted" in proc.stdout, proc.stdout[-2000:]
    path.write_text(good)
    state = next(f["path"] for f in m["state"]["files"] if f["path"].endswith(".fp"))
    data = bytearray((out / state).read_bytes())
    data[0] ^= 1
    (out / state).write_bytes(bytes(data))
    proc = run_wv("check", out, check=False)
    assert proc.returncode == 6 and f"{state}.crc32" in proc.stdout, proc.stdout[-2000:]


def test_concurrent_appends_serialize(wv_bin, run_wv, dirty, tmp_path):
    folder, batches = dirty
    out = tmp_path / "out"
    run_wv("run", "--traces", batches[0], "--out", out, "--append", "--quiet")
    procs = [subprocess.Popen([wv_bin, "run", "--traces", str(b), "--out", str(out), "--append",
                               "--wait", "600", "--quiet"], stderr=subprocess.PIPE, text=True)
             for b in batches[1:]]
    for p in procs:
        _, err = p.communicate()
        assert p.returncode == 0, err
    m = manifest(out)
    assert sorted(b["inputs"][0]["path"] for b in m["batches"]) == sorted(map(str, batches))
    check_ok(run_wv, out)


def test_killed_appends_leave_the_previous_version(wv_bin, run_wv, dirty, tmp_path):
    """SIGKILL at random points of an append (before, during and after the exchange): DIR is
    always one complete version that `check` passes, and a later append completes it."""
    folder, batches = dirty
    out = tmp_path / "out"
    run_wv("run", "--traces", batches[0], "--out", out, "--append", "--quiet")
    probe = tmp_path / "probe"
    run_wv("run", "--traces", batches[0], "--out", probe, "--append", "--quiet")
    t0 = time.monotonic()
    run_wv("run", "--traces", batches[1], "--out", probe, "--append", "--quiet")
    span = (time.monotonic() - t0) * 1.3
    rng = random.Random(99)
    for n in range(6):
        before = manifest(out)
        proc = subprocess.Popen([wv_bin, "run", "--traces", str(batches[1]), "--out", str(out),
                                 "--append", "--quiet"], stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0, span))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        now = manifest(out)
        check_ok(run_wv, out)
        if now["run_id"] != before["run_id"]:  # killed after the exchange: the new version whole
            assert len(now["batches"]) == 2
            break
        assert now == before
    run_wv("run", "--traces", batches[1], "--out", out, "--append", "--quiet")
    run_wv("run", "--traces", batches[2], "--out", out, "--append", "--quiet")
    one = tmp_path / "one"
    run_wv("run", "--traces", *batches, "--out", one, "--quiet")
    assert_same_tables(one, out)
    check_ok(run_wv, out)


def test_refusals_leave_the_output_alone(run_wv, dirty, tmp_path):
    folder, batches = dirty
    out = tmp_path / "out"
    run_wv("run", "--traces", batches[0], "--out", out, "--append", "--run-id", "day-1", "--quiet")
    before = snapshot(out)
    # A batch id the output already has; --run-id with an S3 output (its object names carry the
    # run id): usage errors. (Appending to S3 itself: tests/e2e/test_s3_append.py.)
    for args in (["--out", out, "--run-id", "day-1"],
                 ["--out", "s3://bucket/prefix", "--run-id", "day-2"]):
        proc = run_wv("run", "--traces", batches[1], "--append", *args, check=False)
        assert proc.returncode == 2, proc.stderr
    assert snapshot(out) == before
    # A batch that fails its quality gate (every row rejected): exit 4, nothing changed.
    bad = tmp_path / "bad.csv"
    header = batches[1].read_bytes().splitlines(keepends=True)[0]
    bad.write_bytes(header + b"not,a,trace\n" * 50)
    proc = run_wv("run", "--traces", bad, "--out", out, "--append", check=False)
    assert proc.returncode == 4, proc.stderr
    assert snapshot(out) == before
    # A folder that is not a wordviews output is refused untouched (exit 5), as for any run.
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    proc = run_wv("run", "--traces", batches[1], "--out", other, "--append", check=False)
    assert proc.returncode == 5, proc.stderr
    assert (other / "notes.txt").read_text() == "mine"
    run_wv("run", "--traces", batches[1], "--out", out, "--append", "--run-id", "day-2", "--quiet")
    assert [b["id"] for b in manifest(out)["batches"]] == ["day-1", "day-2"]
    check_ok(run_wv, out)


def test_appends_that_spill_equal_one_run(run_wv, dirty, tmp_path):
    """With a tiny spill budget (--spill-budget 1M) every batch finds its duplicates on disk (and replays its
    chunks): the earlier batches' rows must still be found first."""
    folder, batches = dirty
    one, appended = tmp_path / "one", tmp_path / "appended"
    run_wv("run", "--traces", *batches, "--out", one, "--quiet")
    for b in batches:
        proc = run_wv("run", "--traces", b, "--out", appended, "--append", "--memory-limit", "256M", "--spill-budget", "1M")
        assert "spilling to disk" in proc.stderr
    assert_same_tables(one, appended)
    check_ok(run_wv, appended)


@pytest.mark.skipif(not shutil.which("strace"), reason="no strace")
def test_appends_whose_users_spill_equal_one_run(run_wv, wv_bin, tmp_path):
    """Five rows a user: under a tiny spill budget each batch's users spill to their partitions
    (model/users_spill; strace sees them created) and the merged table is gathered for the
    merge with the earlier batches' users."""
    src = tmp_path / "users.csv"
    run_wv("generate", "--rows", 30000, "--users", 6000, "--seed", 4, "--days", 4, "--out", src,
           "--quiet")
    n = len(src.read_bytes().splitlines()) - 1
    batches = write_batches(src, tmp_path, [n // 3, 2 * n // 3], {2: list(range(0, 50))})
    one, appended = tmp_path / "one", tmp_path / "appended"
    run_wv("run", "--traces", *batches, "--out", one, "--quiet")
    for k, b in enumerate(batches):
        trace = tmp_path / f"trace{k}"
        subprocess.run(["strace", "-f", "-qq", "-e", "trace=openat", "-o", str(trace), wv_bin,
                        "run", "--traces", str(b), "--out", str(appended), "--append",
                        "--memory-limit", "256M", "--spill-budget", "1M", "--quiet"], check=True)
        assert "/users-000.part" in trace.read_text()
    assert_same_tables(one, appended)
    check_ok(run_wv, appended)


def day_files(src, folder):
    """The data rows of CSV `src` split by UTC day of their timestamp (rows whose timestamp is not
    a number go with the first day): {day: path}, each file with the header."""
    lines = src.read_bytes().splitlines(keepends=True)
    by_day = {}
    for row in lines[1:]:
        fields = row.split(b",")
        day = int(fields[1]) // 86400 if len(fields) > 1 and fields[1].isdigit() else None
        by_day.setdefault(day, []).append(row)
    first = min(d for d in by_day if d is not None)
    by_day.setdefault(first, []).extend(by_day.pop(None, []))
    paths = {}
    for day, rows in sorted(by_day.items()):
        paths[day] = folder / f"day-{day}.csv"
        paths[day].write_bytes(lines[0] + b"".join(rows))
    return paths


def test_append_reads_only_its_batch_and_check_still_reads_every_partition(run_wv, tmp_path):
    """The append verifies what its batch wrote and takes the kept partitions' counts from
    _state/recount.json (the cost of the batch, not of the history); `check` still reads every
    file, finds damage in an old partition the appends did not read, and compares the record."""
    src = tmp_path / "all.csv"
    run_wv("generate", "--rows", "30000", "--seed", "5", "--days", "3", "--dirty-rate", "0.02",
           "--out", src, "--quiet")
    days = day_files(src, tmp_path)
    real = sorted(d for d, p in days.items() if len(p.read_bytes().splitlines()) > 1000)[:3]
    assert len(real) == 3
    others = [days[d] for d in days if d not in real]
    out, one = tmp_path / "out", tmp_path / "one"
    run_wv("run", "--traces", days[real[0]], *others, "--out", out, "--append", "--quiet")
    m = manifest(out)
    assert any(f["path"] == "_state/recount.json" for f in m["state"]["files"])
    record = json.loads((out / "_state/recount.json").read_text())
    listed = sorted(f["path"] for f in m["tables"]["fact_wordviews"]["files"])
    assert sorted(f["path"] for p in record["fact_partitions"].values() for f in p["files"]) == listed
    # Rows per partition as recorded = DuckDB's count of the partition's files.
    con = duckdb.connect()
    for folder, p in record["fact_partitions"].items():
        n = con.sql(f"SELECT count(*) FROM read_parquet('{out}/{folder}/*.parquet')").fetchall()[0][0]
        assert p["profile"]["rows"] == n, folder

    run_wv("run", "--traces", days[real[1]], "--out", out, "--append", "--quiet")
    check_ok(run_wv, out)
    # Damage a file of the first day's partition, which the next batch does not touch.
    old = next(f["path"] for f in manifest(out)["tables"]["fact_wordviews"]["files"]
               if f"date={dt.datetime.fromtimestamp(real[0] * 86400, dt.timezone.utc):%Y-%m-%d}/"
               in f["path"])
    data = bytearray((out / old).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (out / old).write_bytes(bytes(data))
    # The append does not read it (its verification covers its own files)...
    run_wv("run", "--traces", days[real[2]], "--out", out, "--append", "--quiet")
    m = manifest(out)
    assert len(m["batches"]) == 3
    # ...and `check`, which reads everything, names it.
    proc = run_wv("check", out, check=False)
    assert proc.returncode == 6 and f"{old}.crc32" in proc.stdout, proc.stdout[-2000:]
    data[len(data) // 2] ^= 0xFF  # repaired
    (out / old).write_bytes(bytes(data))
    check_ok(run_wv, out)
    # The quality checks merged from the record are one run's over the same inputs.
    run_wv("run", "--traces", days[real[0]], *others, days[real[1]], days[real[2]], "--out", one,
           "--quiet")
    assert_same_tables(one, out)
    strip = lambda checks: sorted((c["name"], c["observed"], c["expected"], c["passed"]) for c in checks)
    assert strip(m["quality_checks"]) == strip(manifest(one)["quality_checks"])

    # A record edited to disagree with the files (its manifest entry made to match) fails check.
    path = out / "_state/recount.json"
    good_record, good_manifest = path.read_bytes(), (out / "_manifest.json").read_text()
    record = json.loads(good_record)
    first = sorted(record["fact_partitions"])[0]
    record["fact_partitions"][first]["profile"]["p_recall_disagrees"] += 1
    text = (json.dumps(record, indent=1) + "\n").encode()
    path.write_bytes(text)
    for f in m["state"]["files"]:
        if f["path"] == "_state/recount.json":
            f["bytes"], f["crc32"] = len(text), zlib.crc32(text)
    (out / "_manifest.json").write_text(json.dumps(m, indent=2))
    proc = run_wv("check", out, check=False)
    assert proc.returncode == 6 and "_state/recount.json.matches_files" in proc.stdout, \
        proc.stdout[-2000:]
    assert first in proc.stdout
    path.write_bytes(good_record)
    (out / "_manifest.json").write_text(good_manifest)
    check_ok(run_wv, out)
    # A record that is not the file its manifest lists: the next append refuses it, untouched.
    path.write_bytes(good_record.replace(b'"rows"', b'"rowz"', 1))
    before = snapshot(out)
    extra = tmp_path / "extra.csv"  # new bytes (its rows repeat earlier ones: duplicates)
    extra.write_bytes(b"".join(days[real[0]].read_bytes().splitlines(keepends=True)[:11]))
    proc = run_wv("run", "--traces", extra, "--out", out, "--append", check=False)
    assert proc.returncode == 3 and "_state/recount.json" in proc.stderr, proc.stderr
    assert snapshot(out) == before
    path.write_bytes(good_record)


def test_append_refuses_when_a_partition_it_writes_to_does_not_verify(run_wv, tmp_path):
    """A day the batch shares with an earlier batch is recounted whole, its earlier files included:
    damage there stops the append (nothing published, the previous version as it was)."""
    src = tmp_path / "all.csv"
    run_wv("generate", "--rows", "20000", "--seed", "9", "--days", "2", "--out", src, "--quiet")
    days = day_files(src, tmp_path)
    first, second = sorted(d for d, p in days.items() if len(p.read_bytes().splitlines()) > 1000)[:2]
    header, *rows = days[first].read_bytes().splitlines(keepends=True)
    (tmp_path / "a.csv").write_bytes(header + b"".join(rows[: len(rows) // 2]))
    # The second batch: the rest of the first day (the same partition) and the second day.
    (tmp_path / "b.csv").write_bytes(header + b"".join(rows[len(rows) // 2:]) +
                                     b"".join(days[second].read_bytes().splitlines(keepends=True)[1:]))
    out = tmp_path / "out"
    run_wv("run", "--traces", tmp_path / "a.csv", "--out", out, "--append", "--quiet")
    old = manifest(out)["tables"]["fact_wordviews"]["files"][0]["path"]
    data = bytearray((out / old).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (out / old).write_bytes(bytes(data))
    before = snapshot(out)
    proc = run_wv("run", "--traces", tmp_path / "b.csv", "--out", out, "--append", check=False)
    assert proc.returncode == 1, proc.stderr
    assert "does not verify; nothing was published" in proc.stderr and f"{old}.crc32" in proc.stderr
    assert snapshot(out) == before
    data[len(data) // 2] ^= 0xFF  # repaired: the same append now goes through
    (out / old).write_bytes(bytes(data))
    run_wv("run", "--traces", tmp_path / "b.csv", "--out", out, "--append", "--quiet")
    check_ok(run_wv, out)
    one = tmp_path / "one"
    run_wv("run", "--traces", tmp_path / "a.csv", tmp_path / "b.csv", "--out", one, "--quiet")
    assert_same_tables(one, out)
