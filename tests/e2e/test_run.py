"""End-to-end: `wordviews run` on generated dirty data, checked against an
independent recomputation of every table by DuckDB from the raw CSV.

The oracle: Python splits the raw bytes into rows and fields exactly as RFC
4180 says (rule 1, `malformed`); DuckDB SQL (bench/duckdb_etl.sql, shared with
the benchmark) applies rules 2-7 and builds the star schema. Our Parquet is
read back with DuckDB and pyarrow and compared value by value.
"""
import gzip
import json
import pathlib
import shutil
import sys

import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
import duckdb_etl  # noqa: E402

TABLES = ["fact_wordviews", "dim_users", "dim_times", "dim_langs", "dim_words", "quarantine"]
RUN_ID = "fixed-run"  # every row carries its run id (batch_id): runs compared byte for byte share one
FIELDS = duckdb_etl.COLUMNS
MAX_QUOTED_ROW_BYTES = 1 << 16  # csv::kMaxRowBytes


# ---------------------------------------------------------------- the oracle

def split_rows(data: bytes):
    """Yields (first_line_number, content bytes, unbalanced) for every data row.

    RFC 4180: a row ends at a line end outside a quoted field; a quoted field
    starts with '"' at the start of a field and ends at a '"' not followed by
    another ('""' is an escaped quote); any other '"' is a stray character. A
    quoted field still open at the end of input, or at a line end 64 KiB past
    the row's start, makes the row end at its first line end (unbalanced); so
    does a row over several lines longer than 64 KiB.
    """
    pos, line = 0, 1
    n = len(data)
    while pos < n:
        in_q = False
        i = pos
        first_nl = -1
        newlines = 0
        end = None
        unbalanced = False
        while True:
            q = data.find(b'"', i)
            nl = data.find(b'\n', i)
            if q == -1 and nl == -1:
                break
            if q != -1 and (nl == -1 or q < nl):
                if not in_q:
                    in_q = q == pos or data[q - 1:q] == b','
                    i = q + 1
                elif data[q + 1:q + 2] == b'"':
                    i = q + 2
                else:
                    in_q = False
                    i = q + 1
                continue
            if not in_q:
                end = nl
                break
            if first_nl == -1:
                first_nl = nl
            newlines += 1
            i = nl + 1
            if nl - pos >= MAX_QUOTED_ROW_BYTES:
                end, unbalanced, newlines = first_nl, True, 0
                break
        if end is None:  # end of input
            if in_q and first_nl != -1:
                end, unbalanced, newlines = first_nl, True, 0
                consumed = end + 1
            else:
                unbalanced = in_q
                end = n
                consumed = n
        else:
            consumed = end + 1
        content = data[pos:end]
        if content.endswith(b'\r'):
            content = content[:-1]
        if newlines > 0 and not unbalanced:
            # A row over several lines must be well formed with 12 fields,
            # else it ends at its first line end.
            fields = parse_fields(content)
            if fields is None or len(fields) != len(FIELDS) or len(content) > MAX_QUOTED_ROW_BYTES:
                end, unbalanced, newlines = first_nl, True, 0
                consumed = end + 1
                content = data[pos:end]
                if content.endswith(b'\r'):
                    content = content[:-1]
        if content or newlines or unbalanced:  # a blank line is not a row
            yield line, content, unbalanced
        line += newlines + 1
        pos = consumed


def parse_fields(content: bytes):
    """RFC 4180 fields of one row, or None when its quoting is broken."""
    fields = []
    i = 0
    n = len(content)
    while True:
        if i < n and content[i:i + 1] == b'"':
            out = bytearray()
            j = i + 1
            while True:
                q = content.find(b'"', j)
                if q == -1:
                    return None  # not closed
                if content[q + 1:q + 2] == b'"':
                    out += content[j:q + 1]
                    j = q + 2
                    continue
                out += content[j:q]
                break
            fields.append(bytes(out))
            i = q + 1
            if i == n:
                return fields
            if content[i:i + 1] != b',':
                return None
            i += 1
            continue
        j_comma = content.find(b',', i)
        j_quote = content.find(b'"', i)
        j = min([x for x in (j_comma, j_quote) if x != -1], default=-1)
        if j == -1:
            fields.append(content[i:])
            return fields
        if j == j_quote:
            return None
        fields.append(content[i:j])
        i = j + 1


def oracle_rows(paths):
    """rows_in for bench/duckdb_etl.sql, built from the raw bytes."""
    cols = {k: [] for k in ["file_index", "source_file", "line_number", "malformed", "raw_line",
                            *FIELDS]}
    for file_index, path in enumerate(paths):
        data = pathlib.Path(path).read_bytes()
        if data[:2] == b'\x1f\x8b':
            data = gzip.decompress(data)
        rows = split_rows(data)
        next(rows)  # header
        for line, content, unbalanced in rows:
            fields = None if unbalanced else parse_fields(content)
            if fields is not None and len(fields) != len(FIELDS):
                fields = None
            if fields is not None:
                try:
                    text = content.decode("utf-8")  # noqa: F841 (validity of the whole row)
                    fields = [f.decode("utf-8") for f in fields]
                except UnicodeDecodeError:
                    fields = None
            cols["file_index"].append(file_index)
            cols["source_file"].append(str(path))
            cols["line_number"].append(line)
            cols["malformed"].append(fields is None)
            cols["raw_line"].append(content)
            for k, name in enumerate(FIELDS):
                cols[name].append(None if fields is None else fields[k])
    import pyarrow as pa
    schema = pa.schema([("file_index", pa.int32()), ("source_file", pa.string()),
                        ("line_number", pa.int64()), ("malformed", pa.bool_()),
                        ("raw_line", pa.binary()), *[(f, pa.string()) for f in FIELDS]])
    return pa.table(cols, schema=schema)


def build_oracle(paths):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    duckdb_etl.load_references(con, str(REPO / "data" / "lexeme_reference.txt"),
                               str(REPO / "data" / "language-codes-full_json.json"))
    rows_in = oracle_rows(paths)
    con.register("rows_in_arrow", rows_in)
    con.execute("CREATE TABLE rows_in AS SELECT * FROM rows_in_arrow")
    con.execute((REPO / "bench" / "duckdb_etl.sql").read_text())
    return con


def attach_output(con, out):
    """Our tables as views out_<table> (read by DuckDB from our Parquet)."""
    for t in TABLES:
        hive = ", hive_partitioning = true" if t == "fact_wordviews" else ""
        con.execute(f"CREATE OR REPLACE VIEW out_{t} AS SELECT * FROM "
                    f"read_parquet('{out}/{t}/**/*.parquet'{hive})")


def assert_same(con, ours, theirs, columns, label):
    """Multiset equality of two relations over `columns`, with examples on failure."""
    cols = ", ".join(columns)
    n_ours = con.execute(f"SELECT count(*) FROM {ours}").fetchone()[0]
    n_theirs = con.execute(f"SELECT count(*) FROM {theirs}").fetchone()[0]
    only_ours = con.execute(
        f"SELECT {cols} FROM {ours} EXCEPT ALL SELECT {cols} FROM {theirs} LIMIT 5").fetchall()
    only_theirs = con.execute(
        f"SELECT {cols} FROM {theirs} EXCEPT ALL SELECT {cols} FROM {ours} LIMIT 5").fetchall()
    assert n_ours == n_theirs and not only_ours and not only_theirs, (
        f"{label}: {n_ours} rows vs oracle {n_theirs}\n only ours: {only_ours}\n"
        f" only oracle: {only_theirs}")


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def dirty(tmp_path_factory, wv):
    d = tmp_path_factory.mktemp("run")
    csv = d / "traces.csv"
    wv("generate", "--rows", 100000, "--dirty-rate", 0.02, "--seed", 11, "--out", csv)
    out = d / "out"
    proc = wv("run", "--traces", csv, "--out", out, "--run-id", RUN_ID)
    con = build_oracle([csv])
    attach_output(con, out)
    truth = json.loads(pathlib.Path(f"{csv}.truth.json").read_text())
    return {"dir": d, "csv": csv, "out": out, "proc": proc, "con": con, "truth": truth}


# ---------------------------------------------------------------- tests

def test_run_prints_summary_and_writes_every_table(dirty):
    out = dirty["out"]
    summary = dirty["proc"].stdout.decode()
    assert "rows in:" in summary and "quarantine" in summary
    manifest = json.loads((out / "_manifest.json").read_text())
    for t in TABLES:
        files = list((out / t).rglob("*.parquet"))
        assert files, t
        assert sorted(str(f.relative_to(out)) for f in files) == sorted(
            f["path"] for f in manifest["tables"][t]["files"])
    assert all(c["passed"] or c["severity"] != "error" for c in manifest["quality_checks"])
    assert manifest["peak_rss_bytes"] > 0
    assert manifest["inputs"][0]["bytes"] == dirty["csv"].stat().st_size
    import zlib
    assert manifest["inputs"][0]["crc32"] == zlib.crc32(dirty["csv"].read_bytes())


def test_every_injected_defect_is_quarantined_with_the_sidecar_reason(dirty):
    truth = dirty["truth"]
    defects_file = pathlib.Path(truth["defects_file"])
    if not defects_file.is_absolute():
        defects_file = dirty["csv"].parent / defects_file
    expected = {}
    for line in defects_file.read_text().splitlines():
        if not line or not line[0].isdigit():
            continue  # header
        number, reason = line.split(",")
        expected[int(number)] = reason
    assert expected, "the generator injected no defects"
    q = pq.read_table(dirty["out"] / "quarantine").to_pydict()
    got = dict(zip(q["line_number"], q["reason"]))
    wrong = {n: (r, got.get(n)) for n, r in expected.items() if got.get(n) != r}
    assert not wrong, f"{len(wrong)} defects not quarantined as named, e.g. {list(wrong.items())[:5]}"
    extra = {n: r for n, r in got.items() if n not in expected}
    assert not extra, f"quarantined rows the generator did not inject: {list(extra.items())[:5]}"
    by_reason = {}
    for r in expected.values():
        by_reason[r] = by_reason.get(r, 0) + 1
    for reason, n in truth["defects"].items():
        assert by_reason.get(reason, 0) == n, reason


def test_counts_reconcile(dirty):
    con = dirty["con"]
    manifest = json.loads((dirty["out"] / "_manifest.json").read_text())
    n_in = con.execute("SELECT count(*) FROM rows_in").fetchone()[0]
    n_fact = con.execute("SELECT count(*) FROM out_fact_wordviews").fetchone()[0]
    n_q = con.execute("SELECT count(*) FROM out_quarantine").fetchone()[0]
    assert n_in == dirty["truth"]["rows_total"] == manifest["rows"]["input"]
    assert n_fact + n_q == n_in
    assert manifest["rows"]["accepted"] == n_fact and manifest["rows"]["rejected"] == n_q
    reasons = dict(con.execute("SELECT reason, count(*) FROM out_quarantine GROUP BY 1").fetchall())
    assert {k: v for k, v in manifest["rejected_by_reason"].items() if v} == reasons


def test_fact_table_matches_oracle(dirty):
    con = dirty["con"]
    cols = ["epoch(\"timestamp\")::BIGINT AS ts", "epoch", "user_id", "learning_language",
            "ui_language", "lexeme_id", "delta", "p_recall", "session_seen", "session_correct",
            "history_seen", "history_correct", "session_pct", "history_pct", "source_file",
            "line_number"]
    con.execute(f"CREATE OR REPLACE VIEW a AS SELECT {', '.join(cols)} FROM out_fact_wordviews")
    con.execute(f"CREATE OR REPLACE VIEW b AS SELECT {', '.join(cols)} FROM fact_wordviews")
    assert_same(con, "a", "b", ["*"], "fact_wordviews")
    # Partition folder = UTC day of the row's timestamp.
    bad = con.execute("SELECT count(*) FROM out_fact_wordviews "
                      "WHERE CAST(date AS DATE) <> CAST(epoch_ms(epoch * 1000) AS DATE)").fetchone()[0]
    assert bad == 0


def test_dim_users_matches_oracle(dirty):
    cols = ["user_id", "number_of_sessions", "epoch(first_seen)::BIGINT", "epoch(last_seen)::BIGINT",
            "views", "courses"]
    assert_same(dirty["con"], "out_dim_users", "dim_users", cols, "dim_users")


def test_dim_times_matches_oracle(dirty):
    cols = ["epoch", "epoch(\"timestamp\")::BIGINT", "hour", "day", "week", "month", "year",
            "weekday", "date", "iso_year"]
    assert_same(dirty["con"], "out_dim_times", "dim_times", cols, "dim_times")


def test_dim_langs_matches_oracle(dirty):
    cols = ["alpha2_code", "english_name", "french_name", "alpha3_b", "alpha3_t"]
    assert_same(dirty["con"], "out_dim_langs", "dim_langs", cols, "dim_langs")


def test_dim_words_matches_oracle(dirty):
    cols = ["lexeme_id", "language", "lexeme_string", "surface", "lemma", "part_of_speech",
            "pos_description", "modifiers", "gender", "number", "person", "tense", "\"case\"",
            "definiteness", "surface_is_wildcard", "has_wildcard_tag", "unknown_tags"]
    assert_same(dirty["con"], "out_dim_words", "dim_words", cols, "dim_words")


def test_quarantine_matches_oracle(dirty):
    cols = ["source_file", "line_number", "reason", "raw_line::BLOB"]
    assert_same(dirty["con"], "out_quarantine", "quarantine", cols, "quarantine")


def test_pyarrow_reads_every_table_with_the_contract_types(dirty):
    out = dirty["out"]
    fact = ds.dataset(out / "fact_wordviews", format="parquet", partitioning="hive").to_table()
    assert str(fact.schema.field("timestamp").type) == "timestamp[us, tz=UTC]"
    assert fact.schema.field("history_pct").nullable
    hp = fact.column("history_pct").to_pylist()
    hs = fact.column("history_seen").to_pylist()
    assert all((p is None) == (s == 0) for p, s in zip(hp, hs))
    times = pq.read_table(out / "dim_times")
    assert str(times.schema.field("date").type) == "date32[day]"
    for t in TABLES[1:]:
        assert pq.read_table(out / t).num_rows == json.loads(
            (out / "_manifest.json").read_text())["tables"][t]["rows"]


def test_check_passes_on_fresh_output(dirty, wv):
    proc = wv("check", dirty["out"])
    assert b"checks passed" in proc.stdout


def test_gzip_input_gives_the_same_tables(dirty, wv, tmp_path):
    gz = tmp_path / "traces.csv.gz"
    with open(dirty["csv"], "rb") as f, gzip.open(gz, "wb", compresslevel=1) as g:
        shutil.copyfileobj(f, g)
    out = tmp_path / "out"
    wv("run", "--traces", gz, "--out", out, "--threads", 1, "--compression", "snappy")
    con = duckdb.connect()
    for t in TABLES:
        hive = ", hive_partitioning = true" if t == "fact_wordviews" else ""
        a = f"read_parquet('{out}/{t}/**/*.parquet'{hive})"
        b = f"read_parquet('{dirty['out']}/{t}/**/*.parquet'{hive})"
        excl = {"fact_wordviews": " EXCLUDE (source_file, batch_id)",
                "quarantine": " EXCLUDE (source_file, detail, batch_id)"}.get(t, "")
        diff = con.execute(f"SELECT count(*) FROM (SELECT *{excl} FROM {a} EXCEPT ALL "
                           f"SELECT *{excl} FROM {b})").fetchone()[0]
        n_a = con.execute(f"SELECT count(*) FROM {a}").fetchone()[0]
        n_b = con.execute(f"SELECT count(*) FROM {b}").fetchone()[0]
        assert diff == 0 and n_a == n_b, t


def test_several_inputs_and_globs(dirty, wv, tmp_path):
    # The same file twice: the second copy's rows are all duplicates.
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    shutil.copy(dirty["csv"], a)
    shutil.copy(dirty["csv"], b)
    out = tmp_path / "out"
    wv("run", "--traces", str(tmp_path / "*.csv"), "--out", out, "--max-bad-ratio", 0.05)
    con = build_oracle([a, b])
    attach_output(con, out)
    assert_same(con, "out_quarantine", "quarantine",
                ["source_file", "line_number", "reason"], "quarantine of two files")
    assert_same(con, "out_dim_users", "dim_users", ["user_id", "number_of_sessions", "views"],
                "dim_users of two files")


ANOMALY_QUERIES = {
    "anomaly.p_recall_disagrees_with_session":
        "SELECT count(*) FROM fact_wordviews WHERE abs(p_recall - session_pct) > "
        "1e-9 * greatest(1, abs(session_pct))",
    "anomaly.natural_key_collisions":
        "SELECT count(*) - count(DISTINCT (user_id, epoch, lexeme_id)) FROM fact_wordviews",
    "anomaly.lexeme_id_with_several_strings":
        "SELECT count(*) FROM (SELECT lexeme_id FROM fact_wordviews GROUP BY 1 "
        "HAVING count(DISTINCT lexeme_string) > 1)",
    "anomaly.lexeme_id_with_several_languages":
        "SELECT count(*) FROM (SELECT lexeme_id FROM fact_wordviews GROUP BY 1 "
        "HAVING count(DISTINCT learning_language) > 1)",
    "anomaly.rows_with_conflicting_lexeme":
        "SELECT count(*) FROM fact_wordviews f JOIN dim_words w USING (lexeme_id) "
        "WHERE f.lexeme_string <> w.lexeme_string OR f.learning_language <> w.language",
    "anomaly.words_with_unknown_tags": "SELECT count(*) FROM dim_words WHERE unknown_tags > 0",
    "info.words_with_wildcards":
        "SELECT count(*) FROM dim_words WHERE surface_is_wildcard OR has_wildcard_tag",
}


def test_counted_anomalies_match_oracle(wv, tmp_path):
    """Rows that are valid but odd are counted, not rejected, and the counts
    agree with DuckDB's over the same input."""
    header = ("p_recall,timestamp,delta,user_id,learning_language,ui_language,lexeme_id,"
              "lexeme_string,history_seen,history_correct,session_seen,session_correct")
    a, b, c = "a" * 32, "b" * 32, "c" * 32
    rows = [
        f"1.0,1362076081,10,u:1,es,en,{a},carta/carta<n><f><sg>,3,2,2,2",
        f"0.5,1362076081,10,u:1,es,en,{b},es/ser<vbser><pri><p3><sg>,3,2,2,2",   # p_recall off
        f"1.0,1362076081,99,u:1,es,en,{a},carta/carta<n><f><sg>,3,2,2,2",      # key collision
        f"1.0,1362076090,10,u:2,es,en,{a},cartas/carta<n><f><pl>,0,0,1,1",     # 2nd string
        f"1.0,1362076090,10,u:2,fr,en,{b},es/ser<vbser><pri><p3><sg>,0,0,1,1",  # 2nd language
        f"1.0,1362076095,10,u:3,en,es,{c},<*sf>/be<vbser><zzz><*numb>,1,1,1,1",  # unknown tag
        f"1.0,1362076081,11,u:1,es,en,{a},carta/carta<n><f><sg>,3,2,2,2",      # split session
    ]
    f = tmp_path / "odd.csv"
    f.write_text(header + "\n" + "\n".join(rows) + "\n")
    out = tmp_path / "out"
    wv("run", "--traces", f, "--out", out)
    manifest = json.loads((out / "_manifest.json").read_text())
    observed = {ch["name"]: ch["observed"] for ch in manifest["quality_checks"]}
    con = build_oracle([f])
    for name, query in ANOMALY_QUERIES.items():
        expected = con.execute(query).fetchone()[0]
        assert observed[name] == expected, (name, observed[name], expected)
    # Each was actually exercised by this input.
    assert all(observed[name] > 0 for name in ANOMALY_QUERIES), observed
    assert manifest["rows"] == {"input": 7, "accepted": 7, "rejected": 0}


def test_dirty_data_anomaly_counts_match_oracle(dirty):
    observed = {c["name"]: c["observed"]
                for c in json.loads((dirty["out"] / "_manifest.json").read_text())["quality_checks"]}
    for name, query in ANOMALY_QUERIES.items():
        assert observed[name] == dirty["con"].execute(query).fetchone()[0], name


def test_tables_are_byte_identical_whatever_the_thread_count(dirty, wv, tmp_path):
    out = tmp_path / "one_thread"
    wv("run", "--traces", dirty["csv"], "--out", out, "--threads", 1, "--quiet", "--run-id", RUN_ID)
    a = json.loads((dirty["out"] / "_manifest.json").read_text())["tables"]
    b = json.loads((out / "_manifest.json").read_text())["tables"]
    for t in TABLES:
        assert [(f["path"], f["crc32"]) for f in a[t]["files"]] == \
               [(f["path"], f["crc32"]) for f in b[t]["files"]], t
