"""End-to-end checks of `wordviews generate` against the facts about the real
file (shared/docs/DATA_PROFILE.md), recomputed independently with DuckDB."""
import gzip
import hashlib
import json
import math
import subprocess

import duckdb
import pytest

HEADER = ("p_recall,timestamp,delta,user_id,learning_language,ui_language,lexeme_id,"
          "lexeme_string,history_seen,history_correct,session_seen,session_correct")
REAL_PAIRS = {("en", "pt"), ("en", "it"), ("pt", "en"), ("it", "en"), ("fr", "en"), ("es", "en"),
              ("de", "en"), ("en", "es")}
ROWS = 200_000


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@pytest.fixture(scope="module")
def sample(tmp_path_factory, wv_bin):
    """One 200k-row clean sample (plain) shared by the read-only checks."""
    d = tmp_path_factory.mktemp("gen")
    out = d / "traces.csv"
    subprocess.run([wv_bin, "generate", "--rows", str(ROWS), "--out", str(out), "--seed", "5",
                    "--threads", "2"], check=True, capture_output=True)
    con = duckdb.connect()
    con.execute(f"""create table t as select * from read_csv('{out}', header=true, auto_detect=false,
        columns={{'p_recall':'DOUBLE','timestamp':'BIGINT','delta':'BIGINT','user_id':'VARCHAR',
                  'learning_language':'VARCHAR','ui_language':'VARCHAR','lexeme_id':'VARCHAR',
                  'lexeme_string':'VARCHAR','history_seen':'BIGINT','history_correct':'BIGINT',
                  'session_seen':'BIGINT','session_correct':'BIGINT'}})""")
    truth = json.loads((d / "traces.csv.truth.json").read_text())
    return {"path": out, "con": con, "truth": truth, "dir": d}


def q(sample, sql):
    return sample["con"].execute(sql).fetchall()


def test_header_and_row_count(sample):
    with open(sample["path"]) as f:
        assert f.readline().rstrip("\n") == HEADER
    assert q(sample, "select count(*) from t")[0][0] == ROWS
    assert sample["truth"]["rows_total"] == ROWS
    assert sample["truth"]["rows_clean"] == ROWS


def test_value_domains(sample):
    bad = q(sample, """select count(*) from t where not (
        p_recall between 0 and 1 and delta >= 0 and session_seen >= 1
        and session_correct between 0 and session_seen and history_seen >= 1
        and history_correct between 0 and history_seen
        and timestamp >= 1362009600 and timestamp < 1362009600 + 14*86400
        and regexp_full_match(user_id, 'u:[A-Za-z0-9_-]+')
        and regexp_full_match(lexeme_id, '[0-9a-f]{32}')
        and regexp_full_match(lexeme_string, '[^/]+/[^<>/]+(<[^>]+>)+'))""")[0][0]
    assert bad == 0
    # p_recall is session_correct / session_seen on every row.
    assert q(sample, "select max(abs(p_recall - session_correct/session_seen)) from t")[0][0] < 1e-11


def test_language_pairs_and_shares(sample):
    rows = q(sample, """select learning_language, ui_language, count(*) n from t
                        group by all order by n desc""")
    assert {(a, b) for a, b, _ in rows} == REAL_PAIRS
    assert {(rows[0][0], rows[0][1]), (rows[1][0], rows[1][1])} == {("en", "es"), ("es", "en")}
    # Truth per-pair recall equals the data's sum(correct)/sum(seen).
    recall = {(a, b): r for a, b, r in q(sample, """select learning_language, ui_language,
        sum(session_correct)/sum(session_seen) from t group by all""")}
    for pair in sample["truth"]["pairs"]:
        key = (pair["learning_language"], pair["ui_language"])
        assert pair["recall"] == pytest.approx(recall[key], abs=1e-12)


def test_users_and_rows_per_user(sample):
    users = q(sample, "select count(distinct user_id) from t")[0][0]
    assert users == sample["truth"]["users"]
    assert abs(users - ROWS / 110) <= 1
    # Zipf-like activity: heavy-tailed rows per user.
    median, p99, top = q(sample, """with u as (select user_id, count(*) n from t group by all)
        select median(n), quantile_cont(n, 0.99), max(n) from u""")[0]
    assert p99 > 4 * median
    assert top > 8 * median


def test_mean_p_recall_near_real(sample):
    mean = q(sample, "select avg(p_recall) from t")[0][0]
    assert 0.82 <= mean <= 0.90
    assert mean == pytest.approx(sample["truth"]["mean_p_recall"], abs=1e-9)
    # 1.0 dominates, printed like the real file.
    with open(sample["path"]) as f:
        f.readline()
        first = [f.readline().split(",", 1)[0] for _ in range(5000)]
    assert first.count("1.0") > 0.6 * len(first)
    assert all(v in ("1.0", "0.0") or not v.endswith("0") for v in first)


def test_delta_heavy_tailed(sample):
    p10, p50, p90, p99, lo, hi = q(sample, """select quantile_cont(delta, 0.1),
        quantile_cont(delta, 0.5), quantile_cont(delta, 0.9), quantile_cont(delta, 0.99),
        min(delta), max(delta) from t""")[0]
    assert lo < 3600  # minutes ...
    assert hi > 200 * 86400  # ... to about a year
    assert p90 > 10 * p50 and p50 > 3 * p10


def test_sessions_share_user_and_timestamp(sample):
    mean_size, max_size, sessions = q(sample, """with s as (select user_id, timestamp, count(*) n
        from t group by all) select avg(n), max(n), count(*) from s""")[0]
    assert 2.5 < mean_size < 12
    assert max_size >= 10
    # Rows of a session are adjacent in the file.
    runs = q(sample, """with r as (select user_id, timestamp, row_number() over () i from t),
        g as (select *, i - row_number() over (partition by user_id, timestamp order by i) grp
              from r)
        select count(*) from (select distinct user_id, timestamp, grp from g)""")[0][0]
    assert runs == sessions
    # (user, timestamp, lexeme) is a natural key.
    assert q(sample, """select count(*) from (select user_id, timestamp, lexeme_id from t
        group by all having count(*) > 1)""")[0][0] == 0


def test_history_consistency(sample):
    bad = q(sample, """with v as (select *, lag(timestamp) over w pt, lag(history_seen) over w ph,
            lag(history_correct) over w pc, lag(session_seen) over w ps,
            lag(session_correct) over w psc
        from t window w as (partition by user_id, lexeme_id order by timestamp))
        select count(*) filter (where pt is not null and (history_seen != ph + ps
                 or history_correct != pc + psc or delta != timestamp - pt)),
               count(*) filter (where pt is not null)
        from v""")[0]
    assert bad[0] == 0
    assert bad[1] > ROWS / 10


def test_lexeme_ids_and_count_scaling(sample, wv_bin):
    assert q(sample, """select count(*) from (select lexeme_id from t group by all
        having count(distinct lexeme_string) > 1 or count(distinct learning_language) > 1)""")[0][0] == 0
    small_lexemes = q(sample, "select count(distinct lexeme_id) from t")[0][0]
    assert small_lexemes == sample["truth"]["lexemes_used"]
    vocabulary = sample["truth"]["vocabulary_size"]
    assert 12_000 <= vocabulary <= 30_000  # about 20k at full scale
    tiny = sample["dir"] / "tiny.csv"
    subprocess.run([wv_bin, "generate", "--rows", "5000", "--out", str(tiny), "-q"], check=True)
    tiny_lexemes = duckdb.sql(f"select count(distinct lexeme_id) from read_csv('{tiny}')").fetchall()[0][0]
    assert tiny_lexemes < small_lexemes <= vocabulary
    # Wildcard lexemes occur.
    assert q(sample, "select count(*) from t where lexeme_string like '%<*%'")[0][0] > 0


def test_gzip_equals_plain_and_thread_count_does_not_matter(tmp_path, run_wv):
    args = ["--rows", 120_000, "--seed", 9, "--dirty-rate", 0.02]
    run_wv("generate", *args, "--threads", 1, "--out", tmp_path / "a.csv")
    run_wv("generate", *args, "--threads", 2, "--out", tmp_path / "b.csv")
    run_wv("generate", *args, "--threads", 1, "--out", tmp_path / "a.csv.gz")
    run_wv("generate", *args, "--threads", 2, "--out", tmp_path / "b.csv.gz")
    assert sha256(tmp_path / "a.csv") == sha256(tmp_path / "b.csv")
    assert sha256(tmp_path / "a.csv.gz") == sha256(tmp_path / "b.csv.gz")
    assert sha256(tmp_path / "a.csv.defects.csv") == sha256(tmp_path / "b.csv.defects.csv")
    with gzip.open(tmp_path / "a.csv.gz", "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == sha256(tmp_path / "a.csv")
    proc = subprocess.run(["gzip", "-dc", tmp_path / "b.csv.gz"], capture_output=True, check=True)
    assert hashlib.sha256(proc.stdout).hexdigest() == sha256(tmp_path / "a.csv")


def test_a_clean_run_removes_only_its_own_stale_defect_list(tmp_path, run_wv):
    out = tmp_path / "d.csv"
    defects = tmp_path / "d.csv.defects.csv"
    run_wv("generate", "--rows", 2000, "--dirty-rate", 0.05, "--out", out, "-q")
    assert defects.read_text().startswith("line_number,reason\n")
    run_wv("generate", "--rows", 2000, "--out", out, "-q")
    assert not defects.exists()  # the earlier dirty run's list would mislead
    # A file of that name that generate did not write is someone else's.
    defects.write_text("my own notes\n")
    run_wv("generate", "--rows", 2000, "--out", out, "-q")
    assert defects.read_text() == "my own notes\n"


def test_stdout_matches_file(tmp_path, run_wv):
    run_wv("generate", "--rows", 3000, "--out", tmp_path / "f.csv", "-q")
    out = run_wv("generate", "--rows", 3000, "--out", "-", "-q")
    assert out.stdout == (tmp_path / "f.csv").read_text()


def test_dirty_sidecars_match_the_file(tmp_path, run_wv):
    out = tmp_path / "dirty.csv"
    run_wv("generate", "--rows", 50_000, "--dirty-rate", 0.05, "--seed", 3, "--out", out)
    truth = json.loads((tmp_path / "dirty.csv.truth.json").read_text())
    lines = out.read_bytes().split(b"\n")
    assert lines[-1] == b""
    assert len(lines) - 2 == 50_000 == truth["rows_total"]
    listed = (tmp_path / "dirty.csv.defects.csv").read_text().splitlines()
    assert listed[0] == "line_number,reason"
    by_reason = {}
    for row in listed[1:]:
        line, reason = row.split(",")
        by_reason[reason] = by_reason.get(reason, 0) + 1
        assert 2 <= int(line) <= 50_001
    assert by_reason == {k: v for k, v in truth["defects"].items() if v}
    assert sum(truth["defects"].values()) + truth["rows_clean"] == 50_000
    assert 0.04 < sum(truth["defects"].values()) / 50_000 < 0.06
    # Duplicates are exact copies of an earlier line.
    seen = set()
    dup_lines = {int(r.split(",")[0]) for r in listed[1:] if r.endswith(",duplicate")}
    for number, raw in enumerate(lines[1:-1], start=2):
        if number in dup_lines:
            assert raw in seen, number
        seen.add(raw)
    # Robustness rows: CRLF ends exactly on the listed lines.
    crlf = {n for n, raw in enumerate(lines[1:-1], start=2) if raw.endswith(b"\r")}
    assert crlf == set(truth["crlf_lines"]) and len(crlf) == truth["robustness"]["crlf_rows"]


def test_usage_and_output_errors(tmp_path, run_wv):
    assert run_wv("generate", "--rows", 10, check=False).returncode == 2  # --out missing
    assert run_wv("generate", "--rows", 10, "--users", 20, "--out", tmp_path / "x.csv",
                  check=False).returncode == 2
    assert run_wv("generate", "--start", "2013-02-30", "--rows", 10, "--out", tmp_path / "x.csv",
                  check=False).returncode == 2
    proc = run_wv("generate", "--rows", 10, "--out", tmp_path / "missing" / "x.csv", check=False)
    assert proc.returncode == 5
    assert "missing" in proc.stderr
    assert not (tmp_path / "x.csv").exists()
    assert list(tmp_path.iterdir()) == []  # nothing partial left behind


def test_help_documents_every_flag(run_wv):
    text = run_wv("generate", "--help").stdout
    for flag in ("--rows", "--out", "--seed", "--users", "--start", "--days", "--dirty-rate",
                 "--threads", "truth.json", "defects.csv"):
        assert flag in text


def test_killed_run_leaves_no_partial_output(tmp_path, wv_bin):
    out = tmp_path / "big.csv"
    proc = subprocess.Popen([wv_bin, "generate", "--rows", "6000000", "--out", str(out), "-q"],
                            stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=0.3)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        assert not out.exists()
        assert not (tmp_path / "big.csv.truth.json").exists()
        # Only a hidden temporary file may remain (SIGKILL allows no cleanup) ...
        left = [p.name for p in tmp_path.iterdir()]
        assert all(n.startswith(".big.csv.tmp-") for n in left), left
        # ... and the next generate of the same file removes it: its lock died
        # with its writer. A file of another shape is left alone.
        (tmp_path / ".big.csv.tmp-notours").write_text("keep")
        done = subprocess.run([wv_bin, "generate", "--rows", "1000", "--out", str(out), "-q"],
                              capture_output=True)
        assert done.returncode == 0, done.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == \
            [".big.csv.tmp-notours", "big.csv", "big.csv.truth.json"]
    else:
        pytest.skip("the run finished before it could be killed")
