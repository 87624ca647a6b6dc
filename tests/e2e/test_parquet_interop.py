"""Interop of wordviews' Parquet writer and reader with pyarrow and DuckDB.

Files written by wordviews (via the test-only tests/tools/parquet_write_tool) are read back by
pyarrow and DuckDB and compared value by value with the values the test generated; their footer
metadata (logical types, statistics, encodings, codecs) is checked through pyarrow. Files written
by pyarrow and DuckDB (every codec, dictionary and plain, data page v1 and v2) are read with
`wordviews parquet cat` and compared the same way.
"""
import json
import math
import random
import struct
import subprocess
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

CODECS = ["zstd", "snappy", "gzip", "none"]

# (column suffix, physical type, logical type for the write tool)
TYPES = [
    ("bool", "BOOLEAN", "NONE"),
    ("i32", "INT32", "NONE"),
    ("i8", "INT32", "INT8"),
    ("i16", "INT32", "INT16"),
    ("i32l", "INT32", "INT32"),
    ("date", "INT32", "DATE"),
    ("i64", "INT64", "NONE"),
    ("i64l", "INT64", "INT64"),
    ("ts", "INT64", "TIMESTAMP"),
    ("f32", "FLOAT", "NONE"),
    ("f64", "DOUBLE", "NONE"),
    ("str", "BYTE_ARRAY", "STRING"),
    ("bin", "BYTE_ARRAY", "NONE"),
]

SPECIAL_STRINGS = ["", "a", "é", "日本語", "emoji 😀", "x" * 5000, "Z", "\u00ff", "tab\tquote\"comma,"]


def f32(x: float) -> float:
    """Rounds a double to the nearest float32 (as a Python float)."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def random_value(physical: str, logical: str, rng: random.Random, pool: int):
    """One random value of a type; small `pool` makes values repeat (dictionary-friendly)."""
    k = rng.randrange(pool)
    r = random.Random(k * 1000003 + hash((physical, logical)) % 1000)
    if physical == "BOOLEAN":
        return r.random() < 0.5
    if physical == "INT32":
        lo, hi = {"INT8": (-128, 127), "INT16": (-32768, 32767),
                  "DATE": (-200000, 200000)}.get(logical, (-2**31, 2**31 - 1))
        return [lo, hi, 0][k] if k < 3 else r.randint(lo, hi)
    if physical == "INT64":
        lo, hi = (-2**62, 2**62) if logical == "TIMESTAMP" else (-2**63, 2**63 - 1)
        return [lo, hi, 0][k] if k < 3 else r.randint(lo, hi)
    if physical in ("FLOAT", "DOUBLE"):
        specials = [float("nan"), float("inf"), float("-inf"), -0.0, 0.0]
        v = specials[k] if k < len(specials) else r.uniform(-1e6, 1e6) * 10 ** r.randint(-30, 30)
        return f32(v) if physical == "FLOAT" else v
    if logical == "STRING":
        if k < len(SPECIAL_STRINGS):
            return SPECIAL_STRINGS[k]
        return "".join(r.choice("abcxyzé日😀 ") for _ in range(r.randint(0, 20)))
    return bytes(r.randrange(256) for _ in range(r.randint(0, 12)))


def to_json_value(physical: str, logical: str, v):
    if v is None:
        return None
    if physical in ("FLOAT", "DOUBLE"):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        if v == 0 and math.copysign(1, v) < 0:
            return "-0.0"
        return v
    if physical == "BYTE_ARRAY" and logical != "STRING":
        return v.hex()
    return v


def same(a, b) -> bool:
    """Value equality that treats NaN as equal to NaN and tells -0.0 from +0.0."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return a == b and type(a) is type(b)


def assert_same_column(name, got, want):
    assert len(got) == len(want), f"{name}: {len(got)} values, expected {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        assert same(g, w), f"{name} row {i}: got {g!r}, expected {w!r}"


def make_table(rng, n, pool, null_ratio, optional_mode):
    """Column specs and values: each type once REQUIRED and once OPTIONAL (or as chosen)."""
    columns, values = [], {}
    for suffix, physical, logical in TYPES:
        for optional in ([False, True] if optional_mode == "both" else [optional_mode]):
            name = f"{suffix}_{'opt' if optional else 'req'}"
            col = []
            for _ in range(n):
                if optional and rng.random() < null_ratio:
                    col.append(None)
                else:
                    col.append(random_value(physical, logical, rng, pool))
            columns.append({"name": name, "type": physical, "logical": logical,
                            "optional": optional})
            values[name] = col
    return columns, values


def write_with_wordviews(tool, tmp_path, columns, values, options, name="out.parquet",
                         batch_rows=0):
    spec = {"columns": columns, "options": options, "batch_rows": batch_rows,
            "values": {c["name"]: [to_json_value(c["type"], c["logical"], v)
                                   for v in values[c["name"]]] for c in columns}}
    spec_path = tmp_path / (name + ".json")
    spec_path.write_text(json.dumps(spec))
    out = tmp_path / name
    proc = subprocess.run([str(tool), str(spec_path), str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out


def pyarrow_values(table, column, physical, logical):
    arr = table.column(column)
    if logical == "TIMESTAMP":
        arr = arr.cast(pa.int64())
    elif logical == "DATE":
        arr = arr.cast(pa.int32())
    return arr.to_pylist()


def duckdb_values(path, column, physical, logical):
    expr = f'"{column}"'
    if logical == "TIMESTAMP":
        expr = f'epoch_us("{column}")'
    elif logical == "DATE":
        expr = f"date_diff('day', DATE '1970-01-01', \"{column}\")"
    con = duckdb.connect()
    rows = con.execute(f"SELECT {expr} FROM read_parquet('{path}')").fetchall()
    con.close()
    out = [r[0] for r in rows]
    if physical == "BYTE_ARRAY" and logical != "STRING":
        out = [bytes(v) if v is not None else None for v in out]
    if physical == "FLOAT":
        out = [f32(v) if v is not None else None for v in out]
    return out


def expected_python(physical, logical, values):
    if physical == "BOOLEAN":
        return [bool(v) if v is not None else None for v in values]
    return values


def type_order_min_max(physical, values):
    """Expected statistics bounds (parquet-format ColumnOrder TYPE_ORDER)."""
    present = [v for v in values if v is not None]
    if physical in ("FLOAT", "DOUBLE"):
        present = [v for v in present if not math.isnan(v)]
    if not present:
        return None
    lo, hi = min(present), max(present)
    if physical in ("FLOAT", "DOUBLE"):
        lo = -0.0 if lo == 0 else lo
        hi = 0.0 if hi == 0 else hi
    return lo, hi


@pytest.fixture(scope="module")
def write_tool(wv_bin):
    tool = Path(wv_bin).parent / "parquet_write_tool"
    if not tool.exists():
        pytest.fail(f"{tool} not built (cmake --build build --target parquet_write_tool)")
    return tool


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("dictionary", [True, False])
def test_wordviews_file_reads_identically_in_pyarrow_and_duckdb(write_tool, tmp_path, codec,
                                                                dictionary):
    rng = random.Random(f"{codec}-{dictionary}")
    n = 2500
    columns, values = make_table(rng, n, pool=40, null_ratio=0.25, optional_mode="both")
    options = {"compression": codec, "dictionary": dictionary, "page_bytes": 3000,
               "row_group_rows": 1000}
    path = write_with_wordviews(write_tool, tmp_path, columns, values, options, batch_rows=700)

    # pyarrow verifies the page CRC-32 checksums our writer stores.
    table = pq.read_table(path, page_checksum_verification=True)
    assert table.num_rows == n
    for c in columns:
        want = expected_python(c["type"], c["logical"], values[c["name"]])
        assert_same_column(f"pyarrow {c['name']}",
                           pyarrow_values(table, c["name"], c["type"], c["logical"]), want)
        assert_same_column(f"duckdb {c['name']}",
                           duckdb_values(path, c["name"], c["type"], c["logical"]), want)

    meta = pq.ParquetFile(path).metadata
    assert meta.created_by.startswith("wordviews version ")
    assert meta.num_row_groups == 3
    expected_codec = {"zstd": "ZSTD", "snappy": "SNAPPY", "gzip": "GZIP", "none": "UNCOMPRESSED"}
    start = 0
    for g in range(meta.num_row_groups):
        rg = meta.row_group(g)
        for i, c in enumerate(columns):
            chunk = rg.column(i)
            assert chunk.compression == expected_codec[codec]
            uses_dict = dictionary and c["type"] != "BOOLEAN"
            assert ("RLE_DICTIONARY" in chunk.encodings) == uses_dict, (c, chunk.encodings)
            assert chunk.has_dictionary_page == uses_dict
            chunk_values = values[c["name"]][start:start + rg.num_rows]
            stats = chunk.statistics
            assert stats is not None and stats.null_count == sum(v is None for v in chunk_values)
            bounds = type_order_min_max(c["type"], chunk_values)
            assert stats.has_min_max == (bounds is not None), c["name"]
            if bounds is None:
                continue
            lo, hi = stats.min_raw, stats.max_raw
            if c["type"] == "BYTE_ARRAY":
                lo = lo.decode() if c["logical"] == "STRING" and isinstance(lo, bytes) else lo
                hi = hi.decode() if c["logical"] == "STRING" and isinstance(hi, bytes) else hi
                if c["logical"] != "STRING":
                    lo, hi = bytes(lo) if isinstance(lo, (bytes, str)) and not isinstance(lo, str) else lo, hi
            if c["type"] == "BOOLEAN":
                bounds = (bool(bounds[0]), bool(bounds[1]))
            assert same(lo, bounds[0]) or lo == bounds[0], (c["name"], g, lo, bounds)
            assert same(hi, bounds[1]) or hi == bounds[1], (c["name"], g, hi, bounds)
        start += rg.num_rows


def test_logical_and_converted_types_visible_to_pyarrow(write_tool, tmp_path):
    rng = random.Random(7)
    columns, values = make_table(rng, 10, pool=5, null_ratio=0.0, optional_mode="both")
    path = write_with_wordviews(write_tool, tmp_path, columns, values, {})
    schema = pq.ParquetFile(path).schema
    expected = {
        "NONE": (None, "NONE"), "STRING": ("String", "UTF8"), "INT8": ("Int", "INT_8"),
        "INT16": ("Int", "INT_16"), "INT32": ("Int", "INT_32"), "INT64": ("Int", "INT_64"),
        "TIMESTAMP": ("Timestamp", "TIMESTAMP_MICROS"), "DATE": ("Date", "DATE"),
    }
    for i, c in enumerate(columns):
        col = schema.column(i)
        assert col.physical_type == c["type"]
        logical, converted = expected[c["logical"]]
        assert col.converted_type == converted, c
        if logical is None:
            assert col.logical_type.type == "NONE"
        else:
            assert col.logical_type.type.lower() == logical.lower(), (c, col.logical_type)
        if c["logical"] == "TIMESTAMP":
            lt = json.loads(col.logical_type.to_json())
            assert lt["isAdjustedToUTC"] is True and lt["timeUnit"] == "microseconds"
        if c["logical"].startswith("INT"):
            lt = json.loads(col.logical_type.to_json())
            assert lt["isSigned"] is True and lt["bitWidth"] == int(c["logical"][3:])
        assert col.max_definition_level == (1 if c["optional"] else 0)
    arrow = pq.read_schema(path)
    assert arrow.field("ts_req").type == pa.timestamp("us", tz="UTC")
    assert arrow.field("date_opt").type == pa.date32()
    assert arrow.field("i8_req").type == pa.int8()
    assert arrow.field("str_req").type in (pa.string(), pa.large_string())
    assert not arrow.field("str_req").nullable and arrow.field("str_opt").nullable


def test_dictionary_falls_back_to_plain_when_too_large(write_tool, tmp_path):
    n = 5000
    columns = [{"name": "s", "type": "BYTE_ARRAY", "logical": "STRING", "optional": False},
               {"name": "few", "type": "BYTE_ARRAY", "logical": "STRING", "optional": True}]
    values = {"s": [f"unique-{i:06d}" for i in range(n)],
              "few": [None if i % 7 == 0 else f"v{i % 3}" for i in range(n)]}
    path = write_with_wordviews(write_tool, tmp_path, columns, values,
                                {"dictionary_page_bytes": 4096})
    chunk_s = pq.ParquetFile(path).metadata.row_group(0).column(0)
    chunk_few = pq.ParquetFile(path).metadata.row_group(0).column(1)
    assert "RLE_DICTIONARY" not in chunk_s.encodings and not chunk_s.has_dictionary_page
    assert "RLE_DICTIONARY" in chunk_few.encodings and chunk_few.has_dictionary_page
    table = pq.read_table(path)
    assert table.column("s").to_pylist() == values["s"]
    assert table.column("few").to_pylist() == values["few"]


def test_nearly_sorted_int64_written_delta_binary_packed(write_tool, tmp_path, run_wv):
    """REQUIRED INT64 pages that take at most a byte a value as DELTA_BINARY_PACKED (a day's line
    numbers, ascending with gaps; an ascending timestamp) are written so, and pyarrow, DuckDB and
    wordviews read the values back; random values (and OPTIONAL columns) stay PLAIN."""
    rng = random.Random(5)
    n = 300_000  # several 1 MiB pages, the last one partial
    lines, line = [], 10**12
    for _ in range(n):
        line += rng.choice([1, 1, 1, 2, 5, -3])  # mostly ascending, sometimes back
        lines.append(line)
    values = {"lines": lines,
              "ts": [1_362_000_000_000_000 + i * 1_000_000 for i in range(n)],
              "extremes": [[-2**63, 2**63 - 1, 0][i % 3] for i in range(n)],
              "random": [rng.randint(-2**63, 2**63 - 1) for _ in range(n)],
              "opt": [None if i % 5 == 0 else i for i in range(n)]}
    columns = [{"name": "lines", "type": "INT64", "logical": "NONE", "optional": False},
               {"name": "ts", "type": "INT64", "logical": "TIMESTAMP", "optional": False},
               {"name": "extremes", "type": "INT64", "logical": "NONE", "optional": False},
               {"name": "random", "type": "INT64", "logical": "NONE", "optional": False},
               {"name": "opt", "type": "INT64", "logical": "NONE", "optional": True}]
    path = write_with_wordviews(write_tool, tmp_path, columns, values,
                                {"dictionary": False, "delta_binary_packed": True})
    meta = pq.ParquetFile(path).metadata.row_group(0)
    encodings = {meta.column(i).path_in_schema: meta.column(i).encodings for i in range(5)}
    assert "DELTA_BINARY_PACKED" in encodings["lines"]
    assert "DELTA_BINARY_PACKED" in encodings["ts"]
    for plain in ("extremes", "random", "opt"):
        assert "DELTA_BINARY_PACKED" not in encodings[plain], plain
    table = pq.read_table(path)
    for c in columns:
        want = expected_python(c["type"], c["logical"], values[c["name"]])
        assert_same_column(c["name"], pyarrow_values(table, c["name"], c["type"], c["logical"]),
                           want)
        assert_same_column(c["name"], duckdb_values(path, c["name"], c["type"], c["logical"]),
                           want)
    rows = wordviews_cat(run_wv, path, ["lines", "random"])
    assert [int(r["lines"]) for r in rows] == values["lines"]
    assert [int(r["random"]) for r in rows] == values["random"]


def test_run_writes_delta_binary_packed_only_with_parquet_delta(run_wv, tmp_path):
    """`run` writes every page PLAIN or dictionary by default (what every reader takes); with
    --parquet-delta the fact table's line_number and dim_times' epoch go DELTA_BINARY_PACKED, and
    every table holds the same rows (pyarrow reads both outputs)."""
    traces = tmp_path / "traces.csv"
    # Two days of 15,000 rows: a day's row group is past the dictionary's first distinct-count
    # checkpoint (4,096 values), where nearly unique numbers give the dictionary up.
    run_wv("generate", "--rows", 30000, "--days", 2, "--seed", 3, "--dirty-rate", 0.02, "--out",
           traces, "-q")
    outs = {}
    for name, flags in (("default", []), ("delta", ["--parquet-delta"])):
        outs[name] = tmp_path / name
        run_wv("run", "--traces", traces, "--out", outs[name], "--run-id", "x", "--quiet", *flags)

    def encodings(out):
        found = {}
        for f in sorted(out.rglob("*.parquet")):
            meta = pq.ParquetFile(f).metadata
            for g in range(meta.num_row_groups):
                for c in range(meta.num_columns):
                    col = meta.row_group(g).column(c)
                    key = (f.relative_to(out).parts[0], col.path_in_schema)
                    found.setdefault(key, set()).update(col.encodings)
        return found

    default, delta = encodings(outs["default"]), encodings(outs["delta"])
    assert not any("DELTA_BINARY_PACKED" in e for e in default.values()), default
    assert "DELTA_BINARY_PACKED" in delta[("fact_wordviews", "line_number")]
    assert "DELTA_BINARY_PACKED" in delta[("dim_times", "epoch")]
    for table in ("fact_wordviews", "quarantine", "dim_users", "dim_times", "dim_langs",
                  "dim_words"):
        a = pq.ParquetDataset(outs["default"] / table).read().to_pylist()
        b = pq.ParquetDataset(outs["delta"] / table).read().to_pylist()
        key = lambda r: json.dumps(r, sort_keys=True, default=str)  # noqa: E731
        assert sorted(a, key=key) == sorted(b, key=key), table


def test_empty_and_one_row_tables(write_tool, tmp_path):
    for n in (0, 1):
        rng = random.Random(n)
        columns, values = make_table(rng, n, pool=10, null_ratio=0.5, optional_mode="both")
        path = write_with_wordviews(write_tool, tmp_path, columns, values, {}, name=f"t{n}.parquet")
        table = pq.read_table(path)
        assert table.num_rows == n
        assert duckdb.connect().execute(f"SELECT count(*) FROM '{path}'").fetchone()[0] == n
        for c in columns:
            assert_same_column(c["name"], pyarrow_values(table, c["name"], c["type"], c["logical"]),
                               expected_python(c["type"], c["logical"], values[c["name"]]))


def test_key_value_metadata_and_created_by(write_tool, tmp_path):
    columns = [{"name": "a", "type": "INT64", "logical": "NONE", "optional": False}]
    path = write_with_wordviews(write_tool, tmp_path, columns, {"a": [1, 2, 3]},
                                {"key_value": {"wordviews.lineage": "{\"run\": 1}", "k2": "é"}})
    meta = pq.ParquetFile(path).metadata
    assert meta.metadata[b"wordviews.lineage"] == b'{"run": 1}'
    assert meta.metadata["k2".encode()] == "é".encode()


# ---------------------------------------------------------------- files from other writers

ARROW_TYPES = {
    "bool": pa.bool_(), "i32": pa.int32(), "i8": pa.int8(), "i16": pa.int16(),
    "i32l": pa.int32(), "date": pa.date32(), "i64": pa.int64(), "i64l": pa.int64(),
    "ts": pa.timestamp("us", tz="UTC"), "f32": pa.float32(), "f64": pa.float64(),
    "str": pa.string(), "bin": pa.binary(),
}


def arrow_table(columns, values):
    arrays, fields = [], []
    for c in columns:
        suffix = c["name"].rsplit("_", 1)[0]
        typ = ARROW_TYPES[suffix]
        raw = values[c["name"]]
        if suffix == "ts":
            arr = pa.array(raw, type=pa.int64()).cast(typ)
        elif suffix == "date":
            arr = pa.array(raw, type=pa.int32()).cast(typ)
        else:
            arr = pa.array(raw, type=typ)
        arrays.append(arr)
        fields.append(pa.field(c["name"], typ, nullable=c["optional"]))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def wordviews_cat(run_wv, path, columns=None):
    args = ["parquet", "cat", path, "--format", "json"]
    if columns:
        args += ["--columns", ",".join(columns)]
    proc = run_wv(*args)
    return [json.loads(line) for line in proc.stdout.splitlines()]


def from_cat_json(physical, logical, v):
    if v is None:
        return None
    if physical in ("FLOAT", "DOUBLE"):
        if isinstance(v, str):
            return {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}[v]
        # FLOAT is printed as the shortest text that reads back as the same float32.
        return f32(float(v)) if physical == "FLOAT" else float(v)
    if physical == "BYTE_ARRAY" and logical != "STRING":
        return bytes.fromhex(v)
    return v


def assert_cat_matches(rows, columns, values):
    for c in columns:
        got = [from_cat_json(c["type"], c["logical"], r[c["name"]]) for r in rows]
        assert_same_column(f"wordviews {c['name']}", got,
                           expected_python(c["type"], c["logical"], values[c["name"]]))


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("dictionary", [True, False])
@pytest.mark.parametrize("page_version", ["1.0", "2.0"])
def test_wordviews_reads_pyarrow_files(run_wv, tmp_path, codec, dictionary, page_version):
    rng = random.Random(f"pa-{codec}-{dictionary}-{page_version}")
    columns, values = make_table(rng, 3000, pool=60, null_ratio=0.3, optional_mode="both")
    path = tmp_path / "pyarrow.parquet"
    pq.write_table(arrow_table(columns, values), path, compression=codec,
                   use_dictionary=dictionary, data_page_version=page_version,
                   row_group_size=1100, data_page_size=2000,
                   write_page_checksum=dictionary)  # our reader verifies them when present
    assert_cat_matches(wordviews_cat(run_wv, path), columns, values)
    # Projection: a subset of columns, in a different order.
    subset = [columns[5], columns[0], columns[22]]
    assert_cat_matches(wordviews_cat(run_wv, path, [c["name"] for c in subset]), subset, values)


@pytest.mark.parametrize("dictionary", [True, False])
def test_wordviews_reads_pyarrow_empty_row_groups(run_wv, tmp_path, dictionary):
    # ParquetWriter.write_table of an empty slice makes a row group of 0 rows
    # whose chunks have data_page_offset 0 (and only a dictionary page).
    rng = random.Random(f"pa-empty-{dictionary}")
    columns, values = make_table(rng, 500, pool=60, null_ratio=0.3, optional_mode="both")
    table = arrow_table(columns, values)
    path = tmp_path / "empty-groups.parquet"
    with pq.ParquetWriter(path, table.schema, use_dictionary=dictionary) as w:
        w.write_table(table.slice(0, 0))
        w.write_table(table)
        w.write_table(table.slice(0, 0))
    meta = pq.ParquetFile(path).metadata
    assert [meta.row_group(g).num_rows for g in range(meta.num_row_groups)] == [0, 500, 0]
    assert_cat_matches(wordviews_cat(run_wv, path), columns, values)


@pytest.mark.parametrize("page_version", ["1.0", "2.0"])
def test_wordviews_reads_pyarrow_delta_and_byte_stream_split(run_wv, tmp_path, page_version):
    rng = random.Random(f"pa-delta-{page_version}")
    columns, values = make_table(rng, 3000, pool=100000, null_ratio=0.3, optional_mode="both")
    encodings = {"i32_req": "DELTA_BINARY_PACKED", "i64_opt": "DELTA_BINARY_PACKED",
                 "ts_req": "DELTA_BINARY_PACKED", "date_opt": "DELTA_BINARY_PACKED",
                 "i8_req": "DELTA_BINARY_PACKED", "str_req": "DELTA_LENGTH_BYTE_ARRAY",
                 "str_opt": "DELTA_BYTE_ARRAY", "bin_req": "DELTA_BYTE_ARRAY",
                 "f64_req": "BYTE_STREAM_SPLIT", "f32_opt": "BYTE_STREAM_SPLIT",
                 "i64_req": "BYTE_STREAM_SPLIT", "bool_req": "RLE"}
    path = tmp_path / "pyarrow_delta.parquet"
    pq.write_table(arrow_table(columns, values), path, use_dictionary=False,
                   column_encoding=encodings, data_page_version=page_version,
                   row_group_size=1100, data_page_size=2000, compression="zstd")
    meta = pq.ParquetFile(path).metadata.row_group(0)
    for i, c in enumerate(columns):
        if c["name"] in encodings:
            assert encodings[c["name"]] in meta.column(i).encodings
    assert_cat_matches(wordviews_cat(run_wv, path), columns, values)


@pytest.mark.parametrize("codec", ["zstd", "snappy", "gzip", "uncompressed"])
@pytest.mark.parametrize("version", ["V1", "V2"])
@pytest.mark.parametrize("pool", [50, 100000])
def test_wordviews_reads_duckdb_files(run_wv, tmp_path, codec, version, pool):
    rng = random.Random(f"duck-{codec}-{version}-{pool}")
    columns, values = make_table(rng, 3000, pool=pool, null_ratio=0.3, optional_mode="both")
    src = tmp_path / "src.parquet"
    pq.write_table(arrow_table(columns, values), src, compression="none")
    out = tmp_path / "duckdb.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_parquet('{src}')) TO '{out}' "
                f"(FORMAT parquet, COMPRESSION {codec}, ROW_GROUP_SIZE 1024, "
                f"PARQUET_VERSION {version})")
    con.close()
    assert_cat_matches(wordviews_cat(run_wv, out), columns, values)


def test_inspect_json_reports_schema_and_statistics(run_wv, write_tool, tmp_path):
    rng = random.Random(3)
    columns, values = make_table(rng, 500, pool=30, null_ratio=0.2, optional_mode="both")
    path = write_with_wordviews(write_tool, tmp_path, columns, values,
                                {"row_group_rows": 200, "compression": "snappy"})
    info = json.loads(run_wv("parquet", "inspect", path, "--format", "json").stdout)
    assert info["num_rows"] == 500 and info["num_row_groups"] == 3
    meta = pq.ParquetFile(path).metadata
    for g, rg in enumerate(info["row_groups"]):
        for i, cj in enumerate(rg["columns"]):
            pa_chunk = meta.row_group(g).column(i)
            assert cj["codec"] == "SNAPPY"
            assert cj["null_count"] == pa_chunk.statistics.null_count
            assert sorted(cj["encodings"]) == sorted(pa_chunk.encodings)
            assert cj["compressed_bytes"] == pa_chunk.total_compressed_size
    # The table form is for people: it names every column.
    table = run_wv("parquet", "inspect", path).stdout
    for c in columns:
        assert c["name"] in table


def test_cat_csv_renders_dates_timestamps_and_nulls(run_wv, write_tool, tmp_path):
    columns = [{"name": "d", "type": "INT32", "logical": "DATE", "optional": True},
               {"name": "t", "type": "INT64", "logical": "TIMESTAMP", "optional": False},
               {"name": "s", "type": "BYTE_ARRAY", "logical": "STRING", "optional": False}]
    values = {"d": [0, None, 15766], "t": [0, 1362182400123456, -1],
              "s": ["plain", "with,comma", 'with "quote"']}
    path = write_with_wordviews(write_tool, tmp_path, columns, values, {})
    csv_text = run_wv("parquet", "cat", path).stdout
    duck = duckdb.connect().execute(
        f"SELECT strftime(d, '%Y-%m-%d'), strftime(t AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') "
        f"FROM '{path}'").fetchall()
    import csv
    import io
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[0] == ["d", "t", "s"]
    for got, (d, t), s in zip(rows[1:], duck, values["s"]):
        assert got == [d or "", t, s]


def test_corrupt_files_exit_with_input_error(run_wv, write_tool, tmp_path):
    columns = [{"name": "a", "type": "INT64", "logical": "NONE", "optional": False}]
    path = write_with_wordviews(write_tool, tmp_path, columns, {"a": list(range(1000))},
                                {"compression": "none", "dictionary": False})
    data = path.read_bytes()
    cases = {
        "truncated.parquet": data[: len(data) // 2],
        "badmagic.parquet": b"XXXX" + data[4:],
        "footerlen.parquet": data[:-8] + struct.pack("<I", 1 << 30) + b"PAR1",
        "empty.parquet": b"",
        "pagecut.parquet": data[:100] + data[200:],
    }
    for name, content in cases.items():
        bad = tmp_path / name
        bad.write_bytes(content)
        proc = run_wv("parquet", "cat", bad, check=False)
        assert proc.returncode == 3, (name, proc.returncode, proc.stderr)
        assert str(bad) in proc.stderr and "error" in proc.stderr
        assert proc.stdout.count("\n") <= 1  # at most the header: no partial rows


def test_cli_usage_errors_and_help(run_wv, write_tool, tmp_path):
    columns = [{"name": "a", "type": "INT64", "logical": "NONE", "optional": False}]
    path = write_with_wordviews(write_tool, tmp_path, columns, {"a": [1, 2]}, {})
    proc = run_wv("parquet", "cat", path, "--columns", "a,nope", check=False)
    assert proc.returncode == 2 and "nope" in proc.stderr
    proc = run_wv("parquet", "cat", path, "--format", "xml", check=False)
    assert proc.returncode == 2
    proc = run_wv("parquet", "inspect", tmp_path / "missing.parquet", check=False)
    assert proc.returncode == 3 and "missing.parquet" in proc.stderr
    for sub in ("inspect", "cat"):
        assert "--format" in run_wv("parquet", sub, "--help").stdout
