"""Byte-range splits (dist/split_plan.h): one large plain file cut by `wordviews shard --plan` into
row-aligned ranges, each its own `shard` task, must give exactly what one `wordviews run` over the
whole file gives, value by value (DuckDB, dist_support.assert_same_output): the same rows, line
numbers, duplicates (first occurrences in an earlier range of the same file), rejections, and the
manifest's one input record for the file with its whole size and CRC-32 (zlib, recomputed here).

The file is built so that ranges must be found as the chunker finds them: half of its rows carry a
quoted field with a line end inside (rows spanning two lines, as RFC 4180 allows), so a cut "at the
next line end after the offset" would start a range in the middle of a row; the test asserts that at
least one range end falls where the chunker's 4 MiB window ends inside such a row, and that the range
then starts exactly at that row's first byte (known here from how the file was written)."""
import os
import zlib

from conftest import manifest
from dist_support import assert_same_output, make_inputs, table_rows, wordviews_spark as ws
from test_dist_primitives import schedule

CHUNK = 4 << 20  # traces::IngestOptions::kDefaultChunkBytes: the chunker's fill window


def build_big_file(run_wv, root, rows=150_000):
    """A dirty generated file with every second well-formed row's lexeme_string made a quoted field
    holding a line end (a row over two lines), quoted fields with escaped quotes and commas, and, at
    the end, repeats of rows from its start (duplicates whose first occurrence is in the first
    range). Returns its path and the (start, end, first line end) byte offsets of its two-line rows."""
    src = root / "big-src.csv"
    run_wv("generate", "--rows", rows, "--seed", 77, "--dirty-rate", 0.05, "--out", src, "--quiet")
    lines = src.read_bytes().split(b"\n")[:-1]
    header, data = lines[0], lines[1:]
    out, multi = [header + b"\n"], []
    offset = len(out[0])
    for i, line in enumerate(data):
        fields = line.split(b",")
        if b'"' not in line and len(fields) == 12 and not line.endswith(b"\r"):
            if i % 2 == 0:  # a long second line: a window end falls in one often
                fields[7] = b'"' + fields[7] + b'\nsecond line ' + b"s" * 150 + b'"'
            elif i % 4 == 1:
                fields[7] = b'"' + fields[7].replace(b"<", b'""<', 1) + b',x"'
        row = b",".join(fields) + b"\n"
        if b"\nsecond line" in row:
            multi.append((offset, offset + len(row), offset + row.index(b"\n") + 1))
        out.append(row)
        offset += len(row)
    out.extend(out[1:200] + out[5000:5010])  # repeats: first occurrences near the file's start
    big = root / "big.csv"
    big.write_bytes(b"".join(out))
    src.unlink()
    return str(big), multi


def test_ranges_of_one_file_equal_one_run(tmp_path, wv_bin, run_wv):
    big, multi = build_big_file(run_wv, tmp_path)
    small = make_inputs(run_wv, tmp_path, rows=(800, 600, 400))
    inputs = [small[2], big, small[0]]  # a gzip file (one split), the big one in ranges, a plain one
    plan = ws.plan_splits(inputs, ws.parse_bytes("1"), wv_bin)  # every chunk its own range
    ranges = [s["range"] for s in plan if s["input"] == big]
    assert len(ranges) >= 3, ranges
    assert [s["input"] for s in plan] == [inputs[0]] + [big] * len(ranges) + [inputs[2]]
    size = os.path.getsize(big)
    assert ranges[0][0] == 0 and ranges[-1][1] == size
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:])), "contiguous"
    # The cuts the chunker had to make before a row spanning its window's end: the naive cut (after
    # the last line end inside the window) would have started the next range inside that row.
    data = open(big, "rb").read()
    straddled = 0
    for (start, end, _), (next_start, _, lines_before) in zip(ranges, ranges[1:]):
        window_end = (start or len(data.split(b"\n", 1)[0]) + 1) + CHUNK  # the header is not chunked
        for row_start, row_end, first_line_end in multi:
            if row_start < window_end < row_end and first_line_end <= window_end:
                assert next_start == row_start, (start, end, row_start)
                straddled += 1
        assert lines_before == data[:next_start].count(b"\n"), "physical lines before the range"
    assert straddled >= 1, "no range boundary met a two-line row; the file does not test the cut"

    single = tmp_path / "single"
    run_wv("run", "--traces", *inputs, "--out", single, "--quiet", "--max-bad-ratio", "1")
    out, work = tmp_path / "dist", tmp_path / "work"
    merged, losers, chosen = schedule(wv_bin, inputs, out, work, "r-ranges", split_bytes="1",
                                      merge_flags=["--max-bad-ratio", "1"])
    assert merged.returncode == 0, merged.stderr
    last_range = len(ranges)  # split index of the big file's last range (split 0 is the gzip file)
    assert last_range in losers, losers  # the repeats at its end lose to rows of its first range
    assert_same_output(single, out)
    run_wv("check", out)
    rows = manifest(out)["rows"]
    assert sum(r["input_rows"] for r in chosen) == rows["input"]
    (record,) = [i for i in manifest(out)["inputs"] if i["path"] == big]
    assert record["bytes"] == size and record["crc32"] == zlib.crc32(data)
    dups = [r for r in table_rows(out, "quarantine") if f"in {big}" in str(r) and "duplicate of line" in str(r)]
    assert len(dups) >= 100  # the repeats of accepted rows (rejected ones are not duplicates)


def test_plan_of_a_gzip_file_is_one_split(tmp_path, wv_bin, run_wv):
    inputs = make_inputs(run_wv, tmp_path, rows=(100, 50000, 100))
    plan = ws.plan_splits([inputs[2]], 1, wv_bin)  # part1.csv.gz, larger than one byte
    assert plan == [{"split": 0, "input": inputs[2], "bytes": os.path.getsize(inputs[2])}]


def test_merge_refuses_ranges_that_do_not_cover_the_file(tmp_path, wv_bin, run_wv):
    big, _ = build_big_file(run_wv, tmp_path, rows=100_000)
    plan = ws.plan_splits([big], 1, wv_bin)
    assert len(plan) >= 2
    work = tmp_path / "work"
    work.mkdir()
    reports = [ws.run_shard(wv_bin, str(work), "r-cut", s, "0") for s in plan]
    merged = ws.run_merge(wv_bin, str(tmp_path / "out"), "r-cut", reports[:-1], ["--max-bad-ratio", "1"])
    assert merged.returncode == 3 and "cover" in merged.stderr, merged.stderr
    assert not (tmp_path / "out").exists()


def test_a_range_not_at_a_row_start_is_refused(tmp_path, wv_bin, run_wv):
    big, _ = build_big_file(run_wv, tmp_path, rows=2000)
    data = open(big, "rb").read()
    start = data.index(b"\n", 1000) + 2  # one byte into a row
    proc = run_wv("shard", "--input", big, "--attempt-dir", tmp_path / "a", "--run-id", "r",
                  "--byte-range", f"{start}-{len(data)}", "--lines-before", 5, check=False)
    assert proc.returncode == 3 and "does not start at a row" in proc.stderr, proc.stderr
