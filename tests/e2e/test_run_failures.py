"""End-to-end failure behaviour of `wordviews run` and `wordviews check`:
distinct exit codes, clear messages, and no partial output ever visible."""
import gzip
import json
import os
import pathlib
import signal
import subprocess
import time

import pyarrow.parquet as pq
import pytest

EXIT_INPUT, EXIT_GATE, EXIT_OUTPUT, EXIT_MISMATCH = 3, 4, 5, 6
HEADER = (b"p_recall,timestamp,delta,user_id,learning_language,ui_language,lexeme_id,"
          b"lexeme_string,history_seen,history_correct,session_seen,session_correct")
ROW = b"1.0,1362076081,27649635,u:FO,de,en,76390c1350a8dac31186187e2fe1e178,lernt/lernen<vblex><pri><p3><sg>,6,4,2,2"
TABLES = ["fact_wordviews", "dim_users", "dim_times", "dim_langs", "dim_words", "quarantine"]


@pytest.fixture(scope="module")
def clean_csv(tmp_path_factory, wv):
    d = tmp_path_factory.mktemp("clean")
    csv = d / "clean.csv"
    wv("generate", "--rows", 20000, "--seed", 3, "--out", csv)
    return csv


@pytest.fixture
def good_output(tmp_path, wv, clean_csv):
    """A folder holding the output of a successful run, and its manifest."""
    out = tmp_path / "out"
    wv("run", "--traces", clean_csv, "--out", out, "--quiet")
    return out, json.loads((out / "_manifest.json").read_text())


def tree(path):
    return sorted((str(p.relative_to(path)), p.stat().st_size) for p in path.rglob("*") if p.is_file())


def assert_error(proc, code, *words):
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == code, f"exit {proc.returncode}, expected {code}\n{err}"
    assert "error" in err
    for w in words:
        assert w in err, f"{w!r} not in {err!r}"


def assert_no_stray_output(parent, out):
    assert not out.exists()
    assert [p.name for p in parent.iterdir() if p.name.startswith(".") and out.name in p.name] == []


def test_missing_file(wv, tmp_path):
    out = tmp_path / "out"
    proc = wv("run", "--traces", tmp_path / "nope.csv", "--out", out, check=False)
    assert_error(proc, EXIT_INPUT, "nope.csv")
    assert_no_stray_output(tmp_path, out)


def test_glob_matching_nothing(wv, tmp_path):
    proc = wv("run", "--traces", tmp_path / "*.csv", "--out", tmp_path / "out", check=False)
    assert_error(proc, EXIT_INPUT)


def test_wrong_header(wv, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_bytes(HEADER.replace(b"delta", b"lag") + b"\n" + ROW + b"\n")
    out = tmp_path / "out"
    proc = wv("run", "--traces", f, "--out", out, check=False)
    assert_error(proc, EXIT_INPUT, "bad.csv")
    assert_no_stray_output(tmp_path, out)


def test_truncated_gzip(wv, tmp_path, clean_csv):
    data = gzip.compress(clean_csv.read_bytes())
    f = tmp_path / "cut.csv.gz"
    f.write_bytes(data[: len(data) // 2])
    out = tmp_path / "out"
    proc = wv("run", "--traces", f, "--out", out, check=False)
    assert_error(proc, EXIT_INPUT, "cut.csv.gz")
    assert_no_stray_output(tmp_path, out)


def test_empty_file(wv, tmp_path):
    f = tmp_path / "empty.csv"
    f.write_bytes(b"")
    proc = wv("run", "--traces", f, "--out", tmp_path / "out", check=False)
    assert_error(proc, EXIT_INPUT, "empty.csv")


def test_header_only_gives_empty_tables_each_with_a_file(wv, tmp_path):
    f = tmp_path / "header.csv"
    f.write_bytes(HEADER + b"\n")
    out = tmp_path / "out"
    wv("run", "--traces", f, "--out", out)
    for t in TABLES:
        files = list((out / t).rglob("*.parquet"))
        assert len(files) >= 1, t
        for p in files:
            assert pq.read_table(p).num_rows == 0
    wv("check", out)


def test_crlf_line_ends_are_accepted(wv, tmp_path, clean_csv):
    crlf = tmp_path / "crlf.csv"
    crlf.write_bytes(clean_csv.read_bytes().replace(b"\n", b"\r\n"))
    out_lf, out_crlf = tmp_path / "lf", tmp_path / "crlf"
    wv("run", "--traces", clean_csv, "--out", out_lf)
    wv("run", "--traces", crlf, "--out", out_crlf)
    m_lf = json.loads((out_lf / "_manifest.json").read_text())
    m_crlf = json.loads((out_crlf / "_manifest.json").read_text())
    assert m_crlf["rows"] == m_lf["rows"]
    assert m_crlf["rejected_by_reason"].get("malformed", 0) == m_lf["rejected_by_reason"].get("malformed", 0)
    a = pq.read_table(out_lf / "dim_words").to_pylist()
    b = pq.read_table(out_crlf / "dim_words").to_pylist()
    assert a == b


def test_file_of_only_bad_rows_fails_the_gate(wv, tmp_path, good_output):
    out, manifest = good_output
    before = tree(out)
    f = tmp_path / "bad_rows.csv"
    f.write_bytes(HEADER + b"\n" + b"".join(
        ROW.replace(b"1.0,", b"x,") + b"\n" for _ in range(50)))
    proc = wv("run", "--traces", f, "--out", out, check=False)
    assert_error(proc, EXIT_GATE, "bad_number")
    assert tree(out) == before
    assert json.loads((out / "_manifest.json").read_text())["run_id"] == manifest["run_id"]


def test_bad_ratio_threshold_is_configurable(wv, tmp_path):
    f = tmp_path / "some_bad.csv"
    f.write_bytes(HEADER + b"\n" + ROW + b"\n" + ROW.replace(b"1.0,", b"x,") + b"\n")
    assert wv("run", "--traces", f, "--out", tmp_path / "o1", check=False).returncode == EXIT_GATE
    wv("run", "--traces", f, "--out", tmp_path / "o2", "--max-bad-ratio", 0.5)
    q = pq.read_table(tmp_path / "o2" / "quarantine").to_pylist()
    assert [(r["line_number"], r["reason"]) for r in q] == [(3, "bad_number")]


def test_duplicates_do_not_count_against_the_gate(wv, tmp_path):
    f = tmp_path / "dups.csv"
    f.write_bytes(HEADER + b"\n" + b"".join(ROW + b"\n" for _ in range(10)))
    out = tmp_path / "out"
    wv("run", "--traces", f, "--out", out)
    m = json.loads((out / "_manifest.json").read_text())
    assert m["rows"] == {"input": 10, "accepted": 1, "rejected": 9}
    assert m["rejected_by_reason"]["duplicate"] == 9


def test_unwritable_output_folder(wv, tmp_path, clean_csv):
    blocker = tmp_path / "a_file"
    blocker.write_bytes(b"x")
    proc = wv("run", "--traces", clean_csv, "--out", blocker / "out", check=False)
    assert_error(proc, EXIT_OUTPUT)
    if os.geteuid() != 0:  # root ignores permissions
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        try:
            proc = wv("run", "--traces", clean_csv, "--out", ro / "out", check=False)
            assert_error(proc, EXIT_OUTPUT)
        finally:
            ro.chmod(0o755)


def test_sigkill_part_way_leaves_previous_output_intact(wv, wv_bin, tmp_path, good_output):
    out, manifest = good_output
    before = tree(out)
    big = tmp_path / "big.csv"
    wv("generate", "--rows", 3000000, "--seed", 5, "--out", big)
    proc = subprocess.Popen([wv_bin, "run", "--traces", str(big), "--out", str(out), "--threads", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Kill it once it is demonstrably writing (a staging folder exists beside DIR).
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name != out.name and out.name in p.name for p in out.parent.iterdir()):
            time.sleep(0.3)
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert tree(out) == before
    assert json.loads((out / "_manifest.json").read_text())["run_id"] == manifest["run_id"]
    wv("check", out)
    # A later run still succeeds (stale staging from the killed run is no obstacle).
    wv("run", "--traces", big, "--out", out, "--quiet")
    wv("check", out)


def test_check_detects_a_tampered_file(wv, good_output):
    out, manifest = good_output
    wv("check", out)
    victim = out / manifest["tables"]["dim_users"]["files"][0]["path"]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    proc = wv("check", out, check=False)
    assert_error(proc, EXIT_MISMATCH)
    assert b"dim_users" in proc.stdout


def test_check_detects_missing_and_unlisted_files(wv, good_output):
    out, manifest = good_output
    extra = out / "dim_words" / "part-99999.parquet"
    extra.write_bytes((out / manifest["tables"]["dim_words"]["files"][0]["path"]).read_bytes())
    assert wv("check", out, check=False).returncode == EXIT_MISMATCH
    extra.unlink()
    wv("check", out)
    (out / manifest["tables"]["fact_wordviews"]["files"][0]["path"]).unlink()
    assert wv("check", out, check=False).returncode == EXIT_MISMATCH


def test_check_detects_a_manifest_that_lies_about_counts(wv, good_output):
    out, manifest = good_output
    manifest["rows"]["input"] += 1
    (out / "_manifest.json").write_text(json.dumps(manifest))
    proc = wv("check", out, check=False)
    assert proc.returncode == EXIT_MISMATCH
    assert b"reconciliation" in proc.stdout


def test_check_on_a_folder_without_manifest_is_an_input_error(wv, tmp_path):
    (tmp_path / "x").mkdir()
    assert_error(wv("check", tmp_path / "x", check=False), EXIT_INPUT)
