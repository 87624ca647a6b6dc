"""End-to-end: `wordviews run` on bad input (issue 9, the input side).

Every case runs the real binary. A failing case must exit with its code and a
clear, terminal-safe message, leave a previous good output exactly as it was
(and `check` must still pass on it), and change nothing outside the output
folder. A succeeding case must account for every row: input rows (recounted
here from the bytes, independently of the pipeline) = fact rows + quarantined
rows, and blank lines are counted apart. Files that change while they are
read are changed while the process is stopped part-way through reading them
(polled from /proc/PID/fdinfo), so no case depends on timing.
"""
import hashlib
import json
import os
import pathlib
import signal
import subprocess
import time
import zlib

import duckdb
import pyarrow.parquet as pq
import pytest

EXIT_OK, EXIT_INPUT = 0, 3
HEADER = (b"p_recall,timestamp,delta,user_id,learning_language,ui_language,lexeme_id,"
          b"lexeme_string,history_seen,history_correct,session_seen,session_correct")
COLUMNS = HEADER.decode().split(",")
# The real first row of the data set.
FIRST = [b"1.0", b"1362076081", b"27649635", b"u:FO", b"de", b"en",
         b"76390c1350a8dac31186187e2fe1e178", b"lernt/lernen<vblex><pri><p3><sg>",
         b"6", b"4", b"2", b"2"]
MAX32 = 2**31 - 1
MAX_ROW_BYTES = 1 << 16
QUERIES = ["pairs", "pair-users", "pair-views", "time-of-day", "time-of-day-test",
           "retention-pairs", "retention-ui", "forgetting-curve", "hardest-words",
           "recall-by-pos", "daily-trends", "daily-totals"]


def row(i=0, **fields):
    """The real first row with a distinct timestamp (so rows are not duplicates)
    and any fields replaced (bytes or str)."""
    values = list(FIRST)
    values[1] = str(1362076081 + i).encode()
    for name, value in fields.items():
        values[COLUMNS.index(name)] = value if isinstance(value, bytes) else str(value).encode()
    return b",".join(values)


def csv_bytes(rows, eol=b"\n", header=HEADER):
    return header + eol + b"".join(r + eol for r in rows)


def recount(data):
    """(rows, blank lines) of a traces file without quoted line breaks, from its bytes."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # after the final line end
    body = lines[1:]
    blank = sum(1 for line in body if line in (b"", b"\r"))
    return len(body) - blank, blank


def digest(path):
    """Every file under `path` (or `path` itself) with its size and content hash."""
    path = pathlib.Path(path)
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return {str(p.relative_to(path.parent)): (p.stat().st_size, hashlib.md5(p.read_bytes()).hexdigest())
            for p in files}


def outside(root, *excluded):
    """Digest of everything under `root` but the excluded paths (and their staging folders)."""
    names = {pathlib.Path(e).name for e in excluded}
    result = {}
    for p in sorted(root.iterdir()):
        if p.name in names or any(p.name.startswith(".") and n in p.name for n in names):
            continue
        result.update(digest(p))
    return result


def assert_clean_message(err, code, proc_code, *words):
    assert proc_code == code, f"exit {proc_code}, expected {code}\n{err!r}"
    # Terminal-safe: no control character but the line ends, no invalid UTF-8.
    text = err.decode("utf-8")  # raises on invalid UTF-8
    assert "error" in text
    for w in words:
        assert w in text, f"{w!r} not in {text!r}"
    bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F]
    assert not bad, f"control characters {bad!r} in {text!r}"


def generated(tmp_path_factory, wv, name, rows, seed):
    csv = tmp_path_factory.mktemp(name) / f"{name}.csv"
    wv("generate", "--rows", rows, "--seed", seed, "--out", csv)
    return csv


@pytest.fixture(scope="module")
def clean_csv(tmp_path_factory, wv):
    return generated(tmp_path_factory, wv, "clean", 5000, 3)


@pytest.fixture(scope="module")
def large_csv(tmp_path_factory, wv):
    """About 50 MB: more than the reader may read ahead of validation (2N+2 chunks of 4 MiB)."""
    return generated(tmp_path_factory, wv, "large", 500000, 7)


class Case:
    """A folder with a previous good output in it; runs `wordviews run` into that
    output and checks what must hold whatever the input was."""

    def __init__(self, wv, tmp_path, clean_csv):
        self.wv, self.root = wv, tmp_path
        self.out = tmp_path / "out"
        wv("run", "--traces", clean_csv, "--out", self.out, "--quiet")
        self.before_out = digest(self.out)
        self.before_run_id = json.loads((self.out / "_manifest.json").read_text())["run_id"]

    def write(self, name, data):
        path = self.root / name
        path.write_bytes(data)
        return path

    def snapshot(self, *also_excluded):
        return outside(self.root, self.out, *also_excluded)

    def fails(self, code, *args, words=(), changing=()):
        """Runs and asserts a failure: message, previous output intact, nothing else changed."""
        before = self.snapshot(*changing)
        proc = self.wv("run", "--out", self.out, "--quiet", *args, check=False)
        assert_clean_message(proc.stderr, code, proc.returncode, *words)
        self.assert_previous_output_intact()
        assert self.snapshot(*changing) == before
        return proc.stderr.decode()

    def assert_previous_output_intact(self):
        assert digest(self.out) == self.before_out
        manifest = json.loads((self.out / "_manifest.json").read_text())
        assert manifest["run_id"] == self.before_run_id
        self.wv("check", self.out)

    def succeeds(self, path, *args):
        """Runs on `path`; asserts the reconciliation against an independent recount;
        returns (manifest, quarantine rows as dicts)."""
        before = self.snapshot()
        # The bad-row gate is not what these cases are about.
        proc = self.wv("run", "--traces", path, "--out", self.out, "--quiet",
                       "--max-bad-ratio", "1", *args, check=False)
        assert proc.returncode == EXIT_OK, proc.stderr.decode(errors="replace")
        assert self.snapshot() == before
        self.wv("check", self.out)
        manifest = json.loads((self.out / "_manifest.json").read_text())
        fact = sum(pq.read_metadata(p).num_rows
                   for p in (self.out / "fact_wordviews").rglob("*.parquet"))
        quarantine = pq.read_table(self.out / "quarantine").to_pylist()
        rows, blank = recount(pathlib.Path(path).read_bytes())
        assert manifest["rows"]["input"] == rows
        assert manifest["rows"]["accepted"] == fact
        assert manifest["rows"]["rejected"] == len(quarantine)
        assert fact + len(quarantine) == rows
        assert manifest["blank_lines"] == blank
        assert manifest["inputs"][0]["blank_lines"] == blank
        by_reason = {}
        for q in quarantine:
            by_reason[q["reason"]] = by_reason.get(q["reason"], 0) + 1
        assert {k: v for k, v in manifest["rejected_by_reason"].items() if v} == by_reason
        return manifest, quarantine


@pytest.fixture
def case(wv, tmp_path, clean_csv):
    return Case(wv, tmp_path, clean_csv)


# ------------------------------------------------ inputs that change while read

def input_fd_position(pid, path):
    """Read position of `pid`'s open descriptor on `path`, or None if it has none."""
    target = os.path.realpath(path)
    fd_dir = pathlib.Path(f"/proc/{pid}/fd")
    try:
        for fd in fd_dir.iterdir():
            try:
                if os.readlink(fd) == target:
                    info = (pathlib.Path(f"/proc/{pid}/fdinfo") / fd.name).read_text()
                    return int(info.split("pos:")[1].split()[0])
            except (FileNotFoundError, ProcessLookupError):
                continue
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def run_changing_input(wv_bin, case, source_csv, change):
    """Starts a run on a copy of `source_csv`, stops the process once it has read
    part (not all) of the file, applies change(path), lets it go on.
    Returns (exit code, stderr bytes, path)."""
    path = case.root / "traces.csv"
    for _attempt in range(5):
        path.write_bytes(source_csv.read_bytes())
        size = path.stat().st_size
        proc = subprocess.Popen([wv_bin, "run", "--traces", str(path), "--out", str(case.out),
                                 "--threads", "1", "--quiet"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        pos = None
        while proc.poll() is None:
            pos = input_fd_position(proc.pid, path)
            if pos:
                proc.send_signal(signal.SIGSTOP)
                pos = input_fd_position(proc.pid, path)
                break
        if proc.poll() is None and pos is not None and 0 < pos < size:
            change(path)
            proc.send_signal(signal.SIGCONT)
            err = proc.communicate()[1]
            return proc.returncode, err, path
        # It read the whole file before it could be stopped: try again.
        if proc.poll() is None:
            proc.send_signal(signal.SIGCONT)
        proc.communicate()
        case.assert_previous_output_intact()
    pytest.fail("could not stop the run part-way through its input")


def check_changed_input_fails(wv_bin, case, source_csv, change, *words):
    before = case.snapshot("traces.csv")
    code, err, path = run_changing_input(wv_bin, case, source_csv, change)
    assert_clean_message(err, EXIT_INPUT, code, "traces.csv changed while it was read", *words)
    case.assert_previous_output_intact()
    assert case.snapshot("traces.csv") == before
    return err.decode()


def test_file_truncated_while_read(wv_bin, case, large_csv):
    size = large_csv.stat().st_size
    err = check_changed_input_fails(wv_bin, case, large_csv,
                                    lambda p: os.truncate(p, size // 2),
                                    f"size {size} -> {size // 2} bytes")
    assert f"{size // 2} bytes read of the {size} it had at open" in err


def test_file_rewritten_with_same_size_while_read(wv_bin, case, large_csv):
    def rewrite(path):
        st = os.stat(path)
        with open(path, "r+b") as f:  # new content, same size, same inode
            f.seek(st.st_size - 1000)
            f.write(b"x" * 999)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        assert os.stat(path).st_size == st.st_size
    check_changed_input_fails(wv_bin, case, large_csv, rewrite, "modification time")


def test_file_replaced_by_rename_while_read(wv_bin, case, large_csv):
    def replace(path):
        other = path.with_name("other.tmp")
        other.write_bytes(csv_bytes([row(1)]))
        os.replace(other, path)
    check_changed_input_fails(wv_bin, case, large_csv, replace, "the path now names another file")


def test_file_appended_to_while_read(wv_bin, case, large_csv):
    def append(path):
        with open(path, "ab") as f:
            f.write(row(99) + b"\n")
    check_changed_input_fails(wv_bin, case, large_csv, append, "size")


def test_file_removed_while_read(wv_bin, case, large_csv):
    check_changed_input_fails(wv_bin, case, large_csv, os.unlink, "the path no longer names a file")


def test_an_unchanged_input_records_its_identity(case, clean_csv):
    path = case.write("same.csv", clean_csv.read_bytes())
    manifest, _ = case.succeeds(path)
    st = os.stat(path)
    record = manifest["inputs"][0]
    data = path.read_bytes()
    assert record["bytes"] == len(data) == st.st_size
    assert record["crc32"] == zlib.crc32(data)
    assert record["identity"] == {"size": st.st_size, "mtime_seconds": st.st_mtime_ns // 10**9,
                                  "mtime_nanoseconds": st.st_mtime_ns % 10**9,
                                  "inode": st.st_ino, "device": st.st_dev}


def test_stdin_has_no_identity(wv, case):
    data = csv_bytes([row(i) for i in range(10)])
    before = case.snapshot()
    proc = case.wv("run", "--traces", "-", "--out", case.out, "--quiet", input=data)
    assert proc.returncode == 0
    manifest = json.loads((case.out / "_manifest.json").read_text())
    assert manifest["inputs"][0]["identity"] is None
    assert manifest["inputs"][0]["bytes"] == len(data)
    assert manifest["rows"]["input"] == 10
    assert case.snapshot() == before


# ------------------------------------------------------- values consumers break on

def test_session_seen_above_32_bits_is_out_of_range(case):
    rows = [row(0), row(1, session_seen=2**31, session_correct=1, p_recall="0.5"),
            row(2, session_seen=2**31, session_correct=2**31, p_recall=1),
            row(3, session_seen=2**63 - 1, session_correct=0, p_recall=0)]
    _, quarantine = case.succeeds(case.write("big_counts.csv", csv_bytes(rows)))
    assert [q["reason"] for q in quarantine] == ["out_of_range"] * 3
    assert quarantine[0]["detail"] == "field 'session_seen': '2147483648' is above 2147483647"
    assert [q["line_number"] for q in quarantine] == [3, 4, 5]


@pytest.mark.parametrize("column", ["delta", "history_seen"])
def test_other_counts_above_32_bits_are_out_of_range(case, column):
    rows = [row(0), row(1, **{column: 2**31})]
    _, quarantine = case.succeeds(case.write("big.csv", csv_bytes(rows)))
    assert [(q["reason"], q["detail"]) for q in quarantine] == [
        ("out_of_range", f"field '{column}': '2147483648' is above 2147483647")]


def test_the_largest_accepted_values_can_be_queried_and_reported(case, wv):
    rows = [row(i) for i in range(20)]
    rows += [row(100, delta=MAX32, history_seen=MAX32, history_correct=MAX32,
                 session_seen=MAX32, session_correct=MAX32, p_recall=1),
             row(101, delta=MAX32, history_seen=MAX32, history_correct=0,
                 session_seen=MAX32, session_correct=0, p_recall=0),
             row(102, timestamp=4102444799)]
    path = case.write("largest.csv", csv_bytes(rows))
    manifest, quarantine = case.succeeds(path, "--report")
    assert quarantine == [] and manifest["rows"]["accepted"] == 23
    assert (case.out / "report.html").stat().st_size > 0
    for name in QUERIES:
        proc = wv("query", case.out, name, "--format", "json", check=False)
        assert proc.returncode == 0, (name, proc.stderr.decode(errors="replace"))
    con = duckdb.connect()
    fact = str(case.out / "fact_wordviews" / "**" / "*.parquet")
    maxima = con.execute(f"SELECT max(session_seen), max(delta), max(history_seen), max(p_recall) "
                         f"FROM read_parquet('{fact}')").fetchone()
    assert maxima == (MAX32, MAX32, MAX32, 1.0)


# ----------------------------------------------------------- control characters

def test_nul_in_user_id_is_malformed(case):
    rows = [row(0), row(1, user_id=b"u:F\x00O"), row(2, user_id=b"\x00")]
    _, quarantine = case.succeeds(case.write("nul.csv", csv_bytes(rows)))
    assert [(q["reason"], q["detail"]) for q in quarantine] == [
        ("malformed", "control character 0x00 in field 'user_id'")] * 2
    assert quarantine[0]["raw_line"] == rows[1]  # stored exactly


@pytest.mark.parametrize("control,shown", [(b"\x01", "0x01"), (b"\x1b[2J", "0x1B"), (b"\x7f", "0x7F"),
                                           (b"\t", "0x09"), (b"\xc2\x9b", "U+009B")])
def test_control_characters_in_lexeme_string_are_malformed(case, control, shown):
    rows = [row(0), row(1, lexeme_string=b"lernt" + control + b"/lernen<vblex>"),
            row(2, lexeme_string=b'"lernt/ler' + control + b'nen<vblex>"')]
    _, quarantine = case.succeeds(case.write("ctl.csv", csv_bytes(rows)))
    assert [(q["reason"], q["detail"]) for q in quarantine] == [
        ("malformed", f"control character {shown} in field 'lexeme_string'")] * 2


def test_a_line_break_inside_quotes_is_one_malformed_row(case):
    # A blank line inside a quoted field is part of the field: one row over three lines.
    multi = row(1, lexeme_string=b'"lernt\n\n/lernen<vblex>"')
    data = csv_bytes([row(0), multi, row(2)])
    path = case.write("multi.csv", data)
    proc = case.wv("run", "--traces", path, "--out", case.out, "--quiet", "--max-bad-ratio", "1")
    assert proc.returncode == 0
    manifest = json.loads((case.out / "_manifest.json").read_text())
    quarantine = pq.read_table(case.out / "quarantine").to_pylist()
    assert manifest["rows"] == {"input": 3, "accepted": 2, "rejected": 1}
    assert manifest["blank_lines"] == 0
    assert [(q["line_number"], q["reason"], q["detail"]) for q in quarantine] == [
        (3, "malformed", "control character 0x0A in field 'lexeme_string'")]
    fact = pq.read_table(case.out / "fact_wordviews").to_pylist()
    assert sorted(f["line_number"] for f in fact) == [2, 6]


# ------------------------------------------------------------- exact decimals

def test_p_recall_bounds_are_decided_on_the_digits(case):
    above = [b"1.00000000000000000001", b"1.0000000000000000000001", b"100000000000000000001e-20"]
    below = [b"-1e-400", b"-0.00000000000000000000001"]
    inside = [b"0.99999999999999999999999", b"-0.0", b"1e0", b"10e-1", b"1.000000000000000000000",
              b"0e-999999999999999999999"]
    values = above + below + inside
    rows = [row(i, p_recall=v) for i, v in enumerate(values)]
    _, quarantine = case.succeeds(case.write("decimals.csv", csv_bytes(rows)))
    rejected = {q["raw_line"].split(b",")[0]: q for q in quarantine}
    assert set(rejected) == set(above + below)
    assert all(q["reason"] == "out_of_range" for q in quarantine)
    fact = pq.read_table(case.out / "fact_wordviews").to_pylist()
    assert len(fact) == len(inside)
    assert all(0.0 <= f["p_recall"] <= 1.0 for f in fact)


# ------------------------------------------------------------------ blank lines

def test_blank_lines_are_not_rows(case):
    body = (b"\n" + row(0) + b"\n\n\r\n" + row(1, delta=-1) + b"\n" + row(2) + b"\r\n\n\n")
    data = HEADER + b"\n" + body
    manifest, quarantine = case.succeeds(case.write("blanks.csv", data))
    assert manifest["rows"] == {"input": 3, "accepted": 2, "rejected": 1}
    assert manifest["blank_lines"] == 5
    assert [q["line_number"] for q in quarantine] == [6]  # physical line numbers
    fact = pq.read_table(case.out / "fact_wordviews").to_pylist()
    assert sorted(f["line_number"] for f in fact) == [3, 7]


def test_crlf_file_with_blank_lines_and_several_inputs(case):
    a = case.write("a.csv", csv_bytes([row(0), b"", row(1), b""], eol=b"\r\n"))
    b = case.write("b.csv", csv_bytes([b"", b"", row(2)]))
    proc = case.wv("run", "--traces", a, b, "--out", case.out, "--quiet")
    assert proc.returncode == 0
    manifest = json.loads((case.out / "_manifest.json").read_text())
    assert manifest["rows"] == {"input": 3, "accepted": 3, "rejected": 0}
    assert [i["blank_lines"] for i in manifest["inputs"]] == [2, 2]
    assert manifest["blank_lines"] == 4
    case.wv("check", case.out)


def test_header_followed_only_by_blank_lines(case):
    manifest, _ = case.succeeds(case.write("header_blanks.csv", HEADER + b"\n\n\r\n\n"))
    assert manifest["rows"]["input"] == 0 and manifest["blank_lines"] == 3


def test_a_file_of_only_blank_lines_is_an_input_error(case):
    path = case.write("blank.csv", b"\n\n\r\n")
    case.fails(EXIT_INPUT, "--traces", path, words=("blank.csv: line 1 is blank",))


def test_a_blank_line_before_the_header_is_an_input_error(case):
    path = case.write("late_header.csv", b"\n" + csv_bytes([row(0)]))
    case.fails(EXIT_INPUT, "--traces", path, words=("late_header.csv: line 1 is blank",))


# ------------------------------------------------------------------ line length

@pytest.mark.parametrize("length", [MAX_ROW_BYTES + 1, 10 << 20])
def test_an_overlong_line_is_one_quarantined_row(case, length):
    long_line = b"x" * length
    data = csv_bytes([row(0), long_line, row(1), b'"' + b"q" * length, row(2)])
    _, quarantine = case.succeeds(case.write("long.csv", data))
    assert [(q["line_number"], q["reason"], q["detail"]) for q in quarantine] == [
        (3, "malformed", "the row is longer than 65536 bytes"),
        (5, "malformed", "the row is longer than 65536 bytes")]
    assert quarantine[0]["raw_line"] == long_line[:MAX_ROW_BYTES]
    fact = pq.read_table(case.out / "fact_wordviews").to_pylist()
    assert sorted(f["line_number"] for f in fact) == [2, 4, 6]


def test_a_row_of_exactly_the_limit_is_validated_as_usual(case):
    fixed = len(row(1, lexeme_string=b""))
    lexeme = b"a" * (MAX_ROW_BYTES - fixed - len(b"/a<n>")) + b"/a<n>"
    longest = row(1, lexeme_string=lexeme)
    assert len(longest) == MAX_ROW_BYTES
    manifest, quarantine = case.succeeds(case.write("limit.csv", csv_bytes([row(0), longest])))
    assert quarantine == [] and manifest["rows"]["accepted"] == 2


def test_an_overlong_header_is_an_input_error(case):
    path = case.write("long_header.csv", b"h" * (MAX_ROW_BYTES + 10) + b"\n" + row(0) + b"\n")
    case.fails(EXIT_INPUT, "--traces", path, words=("long_header.csv: line 1 is longer than 65536 bytes",))


# ---------------------------------------------------------- terminal-safe messages

def test_control_characters_in_a_header_are_escaped(case):
    path = case.write("evil.csv", HEADER.replace(b"delta", b"del\x1b[2J\x07ta\x00\xff") + b"\n" + row(0) + b"\n")
    err = case.fails(EXIT_INPUT, "--traces", path, words=("evil.csv: line 1: unexpected header",))
    assert "del\\x1b[2J\\x07ta\\x00\\xff" in err


def test_control_characters_in_a_file_name_are_escaped(case):
    name = "bad\x1b]0;pwned\x07name.csv"
    path = case.write(name, b"not,a,header\n")
    err = case.fails(EXIT_INPUT, "--traces", path, words=("unexpected header",))
    assert "bad\\x1b]0;pwned\\x07name.csv" in err
    missing = case.root / "gone\x1b[31m.csv"
    err = case.fails(EXIT_INPUT, "--traces", missing)
    assert "gone\\x1b[31m.csv" in err


def test_control_characters_in_a_reference_file_are_escaped(case, clean_csv):
    lexemes = case.write("lexemes.txt", b"n noun Noun\nbad\x1b[2J\x07\n")
    err = case.fails(EXIT_INPUT, "--traces", clean_csv, "--lexemes", lexemes, words=("lexemes.txt",))
    assert "\\x1b[2J\\x07" in err
