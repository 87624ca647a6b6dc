"""End-to-end: `wordviews check` trusts nothing, and `query`/`report` refuse a
damaged output before answering from it.

Each test starts from a copy of one good `run` output, damages it in one way,
and asserts that `check` exits 6 naming the damage (with the numbers, which
the test recomputes itself with pyarrow/DuckDB), and that `query` and `report`
either refuse it with exit 6 (what they verify: the file list, sizes, footer
row counts) or answer (what only `check` verifies: checksums, contents,
stored check results; docs/PIPELINE.md, "What `check` proves"). Every test
also asserts that nothing under its temporary folder changed, inside DIR or
outside it: readers write nothing, and follow no path out of DIR.
"""
import json
import os
import shutil
import subprocess
import zlib

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import manifest, snapshot

EXIT_MISMATCH = 6


@pytest.fixture(scope="module")
def good(tmp_path_factory, wv):
    d = tmp_path_factory.mktemp("good")
    wv("generate", "--rows", 30000, "--dirty-rate", 0.02, "--seed", 3, "--out", d / "in.csv", "-q")
    wv("run", "--traces", d / "in.csv", "--out", d / "out", "--quiet")
    return d / "out"


@pytest.fixture
def out(good, tmp_path):
    copy = tmp_path / "out"
    shutil.copytree(good, copy, symlinks=True)
    return copy


def write_manifest(out, m):
    (out / "_manifest.json").write_text(json.dumps(m, indent=2))


def file_record(m, path):
    for t in m["tables"].values():
        for f in t["files"]:
            if f["path"] == path:
                return t, f
    raise KeyError(path)


def rewrite(out, path, table):
    """Writes `table` as DIR/path with pyarrow and fixes the manifest's rows,
    size and CRC-32 of that file (and its table's rows), so that only the
    content checks can tell."""
    pq.write_table(table, out / path)
    data = (out / path).read_bytes()
    m = manifest(out)
    t, f = file_record(m, path)
    f.update(rows=table.num_rows, bytes=len(data), crc32=zlib.crc32(data))
    t["rows"] = sum(x["rows"] for x in t["files"])
    write_manifest(out, m)


def read(out, rel):
    """One file of DIR as pyarrow reads it (without a partition column)."""
    t = pq.read_table(out / rel, partitioning=None)
    return t.drop(["date"]) if "date" in t.column_names else t


def edit_column(out, rel, column, edit, type_):
    """Rewrites DIR/rel with edit(values) as its `column` (see rewrite())."""
    t = read(out, rel)
    values = t.column(column).to_pylist()
    edit(values)
    rewrite(out, rel, t.set_column(t.schema.get_field_index(column), column,
                                   pa.array(values, type_)))


def set_first(value):
    def edit(values):
        values[0] = value
    return edit


def first_file(m, table):
    return m["tables"][table]["files"][0]["path"]


class Readers:
    """Runs check/query/report on DIR and asserts nothing under `root` changed."""

    def __init__(self, wv_bin, root, out):
        self.wv_bin, self.root, self.out = wv_bin, root, out

    def _run(self, *args):
        before = snapshot(self.root)
        proc = subprocess.run([self.wv_bin, *map(str, args)], capture_output=True, text=True,
                              timeout=None)
        report = self.root / "report-out.html"
        wrote_report = report.exists()
        if wrote_report:
            report.unlink()
        assert snapshot(self.root) == before, f"{args}: something changed under {self.root}"
        return proc, wrote_report

    def check(self):
        """(exit code, {name: check}) of `check --json`."""
        proc, _ = self._run("check", self.out, "--json")
        assert proc.returncode in (0, EXIT_MISMATCH), proc.stderr
        checks = {c["name"]: c for c in json.loads(proc.stdout)}
        return proc.returncode, checks

    def failures(self):
        rc, checks = self.check()
        failed = {n: c for n, c in checks.items() if not c["passed"] and c["severity"] == "error"}
        assert (rc == EXIT_MISMATCH) == bool(failed), (rc, failed)
        return failed

    def query(self):
        return self._run("query", self.out, "pairs")[0]

    def report(self):
        proc, wrote = self._run("report", self.out, "-o", self.root / "report-out.html")
        assert wrote == (proc.returncode == 0)
        return proc

    def assert_readers_refuse(self, *named):
        for proc in (self.query(), self.report()):
            assert proc.returncode == EXIT_MISMATCH, proc.stderr
            assert proc.stdout == ""
            for n in named:
                assert n in proc.stderr, (n, proc.stderr)

    def assert_readers_answer(self):
        for proc in (self.query(), self.report()):
            assert proc.returncode == 0, proc.stderr


@pytest.fixture
def readers(wv_bin, tmp_path, out):
    return Readers(wv_bin, tmp_path, out)


def con_for(out):
    con = duckdb.connect()
    for t in ["fact_wordviews", "dim_users", "dim_times", "dim_langs", "dim_words", "quarantine"]:
        hive = ", hive_partitioning = true" if t == "fact_wordviews" else ""
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{out}/{t}/**/*.parquet'{hive})")
    return con


# ------------------------------------------------------------ a good output

def test_good_output_passes_and_its_numbers_are_the_files(readers, out):
    rc, checks = readers.check()
    assert rc == 0
    m = manifest(out)
    con = con_for(out)
    # Per-reason counts, recounted by DuckDB from the quarantine's reason column.
    by_reason = dict(con.execute("SELECT reason, count(*) FROM quarantine GROUP BY 1").fetchall())
    assert sum(by_reason.values()) > 0
    for reason, n in by_reason.items():
        c = checks[f"rejected_by_reason.{reason}"]
        assert (c["observed"], c["expected"], c["passed"]) == (n, m["rejected_by_reason"][reason], True)
    # Recomputed quality checks, against independent queries.
    fact_rows = con.execute("SELECT count(*) FROM fact_wordviews").fetchone()[0]
    q_rows = con.execute("SELECT count(*) FROM quarantine").fetchone()[0]
    assert checks["reconciliation"]["observed"] == fact_rows + q_rows == m["rows"]["input"]
    collisions = con.execute("SELECT count(*) - count(DISTINCT (user_id, epoch, lexeme_id)) "
                             "FROM fact_wordviews").fetchone()[0]
    assert checks["anomaly.natural_key_collisions"]["observed"] == collisions
    wildcards = con.execute("SELECT count(*) FROM dim_words WHERE surface_is_wildcard OR "
                            "has_wildcard_tag").fetchone()[0]
    assert checks["info.words_with_wildcards"]["observed"] == wildcards > 0
    not_duplicate = sum(n for r, n in by_reason.items() if r != "duplicate")
    assert checks["rejected_share"]["observed"] == not_duplicate
    # Every stored check is accounted for: compared, or said not to be recomputable.
    assert len(m["quality_checks"]) == 28
    for stored in m["quality_checks"]:
        c = checks["stored:" + stored["name"]]
        assert c["passed"], c
    not_recomputed = {n[len("stored:"):] for n, c in checks.items()
                      if n.startswith("stored:") and c["severity"] == "info"}
    assert not_recomputed == {"ingest.rows_reach_model", "anomaly.lexeme_id_with_several_strings",
                              "anomaly.rows_with_conflicting_lexeme"}
    readers.assert_readers_answer()


def test_report_html_written_by_run_is_allowed(wv, wv_bin, tmp_path, good):
    d = good.parent
    out = tmp_path / "with_report"
    wv("run", "--traces", d / "in.csv", "--out", out, "--quiet", "--report")
    assert (out / "report.html").is_file()
    r = Readers(wv_bin, tmp_path, out)
    assert r.check()[0] == 0
    r.assert_readers_answer()


# ------------------------------------------------------------ the file list

def test_extra_file_at_the_top(readers, out):
    (out / "notes.txt").write_text("x")
    failed = readers.failures()
    assert "notes.txt.unlisted" in failed and "no_unlisted_entries" in failed
    readers.assert_readers_refuse("notes.txt")


def test_extra_folder_at_the_top(readers, out):
    (out / "extra").mkdir()
    (out / "extra" / "a.parquet").write_bytes((out / first_file(manifest(out), "dim_langs")).read_bytes())
    failed = readers.failures()
    assert "extra.unlisted" in failed
    readers.assert_readers_refuse("extra")


def test_extra_file_in_a_partition(readers, out):
    src = out / first_file(manifest(out), "fact_wordviews")
    extra = src.parent / "part-99999.parquet"
    shutil.copy(src, extra)
    rel = str(extra.relative_to(out))
    failed = readers.failures()
    assert f"{rel}.unlisted" in failed
    readers.assert_readers_refuse(rel)


def test_empty_folder_in_a_table_folder(readers, out):
    (out / "fact_wordviews" / "date=2001-01-01").mkdir()
    assert "fact_wordviews/date=2001-01-01.unlisted" in readers.failures()
    readers.assert_readers_refuse("fact_wordviews/date=2001-01-01")


def test_fifo_at_the_top_is_flagged_without_hanging(readers, out):
    os.mkfifo(out / "pipe")
    failed = readers.failures()
    assert "pipe.unlisted" in failed and "special file" in failed["pipe.unlisted"]["detail"]
    readers.assert_readers_refuse("pipe")


def test_missing_partition(readers, out):
    m = manifest(out)
    victim = out / first_file(m, "fact_wordviews")
    shutil.rmtree(victim.parent)
    rel = first_file(m, "fact_wordviews")
    failed = readers.failures()
    assert f"{rel}.present" in failed
    assert "quality_checks.recomputed" in failed  # contents incomplete: not recomputed
    readers.assert_readers_refuse(rel)


def test_truncated_file(readers, out):
    m = manifest(out)
    rel = first_file(m, "dim_words")
    data = (out / rel).read_bytes()
    (out / rel).write_bytes(data[: len(data) // 2])
    failed = readers.failures()
    assert failed[f"{rel}.bytes"]["observed"] == len(data) // 2
    assert failed[f"{rel}.bytes"]["expected"] == len(data)
    assert f"{rel}.crc32" in failed and f"{rel}.readable" in failed
    readers.assert_readers_refuse(rel)


def test_file_replaced_by_another_valid_parquet_file(readers, out):
    m = manifest(out)
    rel = first_file(m, "fact_wordviews")
    t = read(out, rel)
    pq.write_table(t.slice(0, t.num_rows // 2), out / rel)
    failed = readers.failures()
    assert failed[f"{rel}.rows"]["observed"] == t.num_rows // 2
    assert failed[f"{rel}.rows"]["expected"] == t.num_rows
    assert f"{rel}.crc32" in failed and "fact_wordviews.rows" in failed
    readers.assert_readers_refuse(rel)


def test_symlink_listed(readers, out, tmp_path):
    m = manifest(out)
    rel = first_file(m, "dim_langs")
    outside = tmp_path / "outside.parquet"
    shutil.copy(out / rel, outside)  # the same bytes: a read through the link would pass
    (out / rel).unlink()
    (out / rel).symlink_to(outside)
    failed = readers.failures()
    assert f"{rel}.present" in failed and f"{rel}.unlisted" in failed
    assert "symbolic link" in failed[f"{rel}.unlisted"]["detail"]
    readers.assert_readers_refuse(rel)


# ------------------------------------------------------------ manifest paths

@pytest.mark.parametrize("path", ["../x.parquet", "/etc/passwd", "dim_langs/../../x.parquet",
                                  "dim_users/part-00000.parquet"])
def test_manifest_path_outside_its_table_is_refused_unread(readers, out, tmp_path, path):
    (tmp_path / "x.parquet").write_bytes(b"outside")
    m = manifest(out)
    m["tables"]["dim_langs"]["files"][0]["path"] = path
    write_manifest(out, m)
    failed = readers.failures()
    assert f"manifest.path:{path}" in failed and "manifest.paths" in failed
    assert f"{path}.present" not in failed  # refused, never opened
    # The real dim_langs file is now unlisted.
    assert "dim_langs/part-00000.parquet.unlisted" in failed
    readers.assert_readers_refuse(path)


# ------------------------------------------------------------ manifest numbers

def edit_check(out, name, **changes):
    m = manifest(out)
    [c] = [c for c in m["quality_checks"] if c["name"] == name]
    c.update(changes)
    write_manifest(out, m)
    return c


def test_stored_check_observed_edited(readers, out):
    c = edit_check(out, "info.words_with_wildcards", observed=1)
    failed = readers.failures()
    s = failed["stored:info.words_with_wildcards"]
    assert s["observed"] == 1
    con = con_for(out)
    truth = con.execute("SELECT count(*) FROM dim_words WHERE surface_is_wildcard OR "
                        "has_wildcard_tag").fetchone()[0]
    assert s["expected"] == truth != 1
    readers.assert_readers_answer()  # readers do not recompute checks (documented)
    assert c["name"] in s["name"]


def test_stored_check_passed_flipped(readers, out):
    edit_check(out, "fact_wordviews.lexeme_id.resolves", passed=False)
    failed = readers.failures()
    assert "stored:fact_wordviews.lexeme_id.resolves" in failed
    assert "failed" in failed["stored:fact_wordviews.lexeme_id.resolves"]["detail"]
    readers.assert_readers_answer()


def test_stored_check_detail_edited(readers, out):
    edit_check(out, "reconciliation", detail="all is well")
    assert "stored:reconciliation" in readers.failures()


def test_stored_check_removed(readers, out):
    m = manifest(out)
    m["quality_checks"] = [c for c in m["quality_checks"] if c["name"] != "dim_words.decodable"]
    write_manifest(out, m)
    failed = readers.failures()
    assert "missing from the manifest" in failed["stored:dim_words.decodable"]["detail"]


def test_per_reason_count_edited(readers, out):
    m = manifest(out)
    m["rejected_by_reason"]["malformed"] += 5
    write_manifest(out, m)
    truth = con_for(out).execute(
        "SELECT count(*) FROM quarantine WHERE reason = 'malformed'").fetchone()[0]
    failed = readers.failures()
    c = failed["rejected_by_reason.malformed"]
    assert (c["observed"], c["expected"]) == (truth, truth + 5)
    readers.assert_readers_answer()


def test_table_row_count_edited(readers, out):
    m = manifest(out)
    m["tables"]["dim_users"]["rows"] += 1
    write_manifest(out, m)
    failed = readers.failures()
    truth = pq.read_metadata(out / first_file(m, "dim_users")).num_rows
    assert (failed["dim_users.rows"]["observed"], failed["dim_users.rows"]["expected"]) == \
        (truth, truth + 1)
    readers.assert_readers_refuse("dim_users.rows")


def test_input_rows_edited(readers, out):
    m = manifest(out)
    m["rows"]["input"] += 3
    write_manifest(out, m)
    failed = readers.failures()
    assert failed["reconciliation"]["expected"] == m["rows"]["input"]
    assert "stored:reconciliation" in failed
    readers.assert_readers_answer()


def test_accepted_rows_edited(readers, out):
    m = manifest(out)
    m["rows"]["accepted"] -= 1
    write_manifest(out, m)
    assert "manifest.accepted_rows" in readers.failures()


# ------------------------------------------------------------ contents (size and CRC fixed up)

def test_quarantine_reason_changed(readers, out):
    m = manifest(out)
    rel = first_file(m, "quarantine")
    def malformed_to_duplicate(reasons):
        reasons[reasons.index("malformed")] = "duplicate"
    edit_column(out, rel, "reason", malformed_to_duplicate, pa.string())
    counts = dict(con_for(out).execute(
        "SELECT reason, count(*) FROM quarantine GROUP BY 1").fetchall())
    failed = readers.failures()
    for reason in ("malformed", "duplicate"):
        c = failed[f"rejected_by_reason.{reason}"]
        assert (c["observed"], c["expected"]) == (counts[reason], m["rejected_by_reason"][reason])
    # One fewer non-duplicate rejection: the stored rejected_share disagrees.
    assert failed["stored:rejected_share"]["expected"] == sum(
        n for r, n in counts.items() if r != "duplicate")
    readers.assert_readers_answer()  # sizes and row counts agree: only check can tell


def test_duplicated_dimension_key(readers, out):
    m = manifest(out)
    rel = first_file(m, "dim_users")
    def repeat_first(ids):
        ids[1] = ids[0]
    edit_column(out, rel, "user_id", repeat_first, pa.string())
    dup = con_for(out).execute(
        "SELECT count(*) - count(DISTINCT user_id) FROM dim_users").fetchone()[0]
    failed = readers.failures()
    assert failed["dim_users.user_id.unique"]["observed"] == dup == 1
    assert "stored:dim_users.user_id.unique" in failed
    assert f"{rel}.crc32" not in failed and f"{rel}.bytes" not in failed
    readers.assert_readers_answer()


def test_orphan_foreign_key(readers, out):
    m = manifest(out)
    rel = first_file(m, "fact_wordviews")
    edit_column(out, rel, "lexeme_id", set_first("0" * 32), pa.string())
    orphans = con_for(out).execute(
        "SELECT count(*) FROM fact_wordviews f ANTI JOIN dim_words w USING (lexeme_id)").fetchone()[0]
    failed = readers.failures()
    c = failed["fact_wordviews.lexeme_id.resolves"]
    assert c["observed"] == orphans == 1
    assert "stored:fact_wordviews.lexeme_id.resolves" in failed
    readers.assert_readers_answer()


def test_fact_row_in_the_wrong_partition(readers, out):
    m = manifest(out)
    files = m["tables"]["fact_wordviews"]["files"]
    a, b = files[0]["path"], files[1]["path"]
    ta, tb = read(out, a), read(out, b)
    rewrite(out, a, pa.concat_tables([ta, tb.slice(0, 1)]))
    rewrite(out, b, tb.slice(1))
    failed = readers.failures()
    assert failed["fact_wordviews.partition_dates"]["observed"] == 1
    readers.assert_readers_answer()


def test_p_recall_out_of_domain(readers, out):
    m = manifest(out)
    rel = first_file(m, "fact_wordviews")
    edit_column(out, rel, "p_recall", set_first(1.5), pa.float64())
    truth = con_for(out).execute(
        "SELECT count(*) FROM fact_wordviews WHERE p_recall > 1 OR p_recall < 0").fetchone()[0]
    failed = readers.failures()
    assert failed["fact_wordviews.p_recall.domain"]["observed"] == truth == 1
    assert "stored:fact_wordviews.p_recall.domain" in failed
    # The same row now disagrees with session_correct/session_seen: a warning, compared too.
    assert "stored:anomaly.p_recall_disagrees_with_session" in failed

