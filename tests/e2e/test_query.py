"""`wordviews query`: every query's every number against an independent engine.

The star schema is built here, following issue 4's column contract, without
`wordviews run`: facts generated with numpy from an HLR-style process (known
half-life per pair, pair-dependent hours), the fact table written by pyarrow
(Hive partitions, several row groups, zstd and snappy), dimensions written by
DuckDB. Our reader must therefore read other writers' Parquet. Oracles:
DuckDB SQL over the same files, scipy for the chi-square tests, the Wilson
interval and the half-life maximum-likelihood fit.
"""
import csv
import hashlib
import io
import json
import math
import pathlib
import shutil
import subprocess
import zlib

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pyarrow.parquet as pq
import pytest
from scipy import optimize, stats
from scipy.stats import contingency


QUERIES = ["pairs", "pair-users", "pair-views", "time-of-day", "time-of-day-test",
           "retention-pairs", "retention-ui", "forgetting-curve", "hardest-words",
           "recall-by-pos", "daily-trends", "daily-totals"]

# learning <- interface, with relative sizes, true half-life (days) and peak UTC hour.
PAIRS = [("en", "es", 0.26, 4.0, 21), ("es", "en", 0.30, 6.0, 18), ("fr", "en", 0.12, 3.0, 19),
         ("de", "en", 0.09, 2.5, 17), ("it", "en", 0.05, 5.0, 20), ("pt", "en", 0.03, 3.5, 16),
         ("en", "pt", 0.10, 4.5, 23), ("en", "it", 0.05, 7.0, 22)]
LANG_NAMES = {"en": "English", "es": "Spanish; Castilian", "fr": "French", "de": "German",
              "it": "Italian", "pt": "Portuguese"}
EVIL = "<script>alert(1)</script>"
POS = ["n", "vblex", "adj", "adv", "pr", "det", "prn", "vbser"]


def build_star_schema(out, rows=40000, seed=7, evil=False, row_group_size=3000):
    """Writes DIR/{fact_wordviews/date=*/..., dim_*, quarantine, _manifest.json}."""
    rng = np.random.default_rng(seed)
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)

    # Words: per learning language, 40 lexemes with a difficulty.
    learning_langs = sorted({p[0] for p in PAIRS})
    words = []
    for lang in learning_langs:
        for k in range(40):
            pos = POS[k % len(POS)]
            surface = f"w{lang}{k}"
            if evil and k < 3:
                surface = EVIL if k == 0 else f"{surface}&amp;<b>bold</b>"
            s = f"{surface}/lemma{k}<{pos}><sg>"
            lid = hashlib.md5(f"{lang}:{k}:{s}".encode()).hexdigest()
            # Evil words are made hard so that they show up in hardest-words.
            difficulty = 0.35 if (evil and k < 3) else rng.uniform(0.6, 1.6)
            words.append((lid, lang, s, surface, f"lemma{k}", pos, difficulty))
    by_lang = {lang: [w for w in words if w[1] == lang] for lang in learning_langs}

    # Users each take one pair (some take two).
    n_users = 900
    weights = np.array([p[2] for p in PAIRS])
    weights /= weights.sum()
    user_pairs = [[int(rng.choice(len(PAIRS), p=weights))] for _ in range(n_users)]
    for u in rng.choice(n_users, 80, replace=False):
        user_pairs[u].append(int(rng.integers(len(PAIRS))))
    user_ids = [f"u:{hashlib.sha1(str(i).encode()).hexdigest()[:5]}" for i in range(n_users)]

    start = 1362076081 - 3 * 86400  # late Feb 2013
    recs = {k: [] for k in ["epoch", "user_id", "learning_language", "ui_language", "lexeme_id",
                            "delta", "session_seen", "session_correct"]}
    total = 0
    while total < rows:
        u = int(rng.integers(n_users))
        pi = user_pairs[u][int(rng.integers(len(user_pairs[u])))]
        learn, ui, _, h_true, peak = PAIRS[pi]
        day = int(rng.integers(14))
        hour = int(round(rng.normal(peak, 3.0))) % 24
        epoch = start - start % 86400 + day * 86400 + hour * 3600 + int(rng.integers(3600))
        n_words = int(rng.integers(3, 12))
        for w in rng.choice(len(by_lang[learn]), n_words, replace=False):
            lid, _, _, _, _, _, diff = by_lang[learn][w]
            # Heavy-tailed lag from minutes to years; a few zeros.
            delta = 0 if rng.random() < 0.01 else int(np.exp(rng.uniform(np.log(60), np.log(4e7))))
            seen = int(rng.choice([1, 1, 1, 2, 2, 3, 4]))
            p = 2.0 ** (-(delta / 86400.0) / (h_true * diff))
            correct = int(rng.binomial(seen, p))
            for k, v in zip(recs, [epoch, user_ids[u], learn, ui, lid, delta, seen, correct]):
                recs[k].append(v)
            total += 1

    n = len(recs["epoch"])
    epoch = np.array(recs["epoch"], dtype=np.int64)
    seen = np.array(recs["session_seen"], dtype=np.int64)
    correct = np.array(recs["session_correct"], dtype=np.int64)
    hist_seen = rng.integers(0, 40, n).astype(np.int64)
    hist_correct = np.minimum(hist_seen, rng.integers(0, 40, n)).astype(np.int64)
    fact = pa.table({
        "timestamp": pa.array(epoch * 1_000_000, pa.timestamp("us", tz="UTC")),
        "epoch": pa.array(epoch),
        "user_id": pa.array(recs["user_id"]),
        "learning_language": pa.array(recs["learning_language"]),
        "ui_language": pa.array(recs["ui_language"]),
        "lexeme_id": pa.array(recs["lexeme_id"]),
        "delta": pa.array(recs["delta"], pa.int64()),
        "p_recall": pa.array(correct / seen),
        "session_seen": pa.array(seen),
        "session_correct": pa.array(correct),
        "history_seen": pa.array(hist_seen),
        "history_correct": pa.array(hist_correct),
        "session_pct": pa.array(correct / seen),
        "history_pct": pa.array([None if s == 0 else c / s for s, c in zip(hist_seen, hist_correct)],
                                pa.float64()),
        "source_file": pa.array(["traces.csv"] * n),
        "line_number": pa.array(np.arange(2, n + 2, dtype=np.int64)),
    })
    dates = [str(np.datetime64(int(e), "s").astype("datetime64[D]")) for e in epoch]
    fact_dir = out / "fact_wordviews"
    for i, d in enumerate(sorted(set(dates))):
        mask = pa.array([x == d for x in dates])
        part = fact.filter(mask)
        (fact_dir / f"date={d}").mkdir(parents=True, exist_ok=True)
        # Alternate codecs; split some days into two files.
        comp = "zstd" if i % 2 == 0 else "snappy"
        if i % 3 == 0 and part.num_rows > 10:
            half = part.num_rows // 2
            pq.write_table(part.slice(0, half), fact_dir / f"date={d}/part-0.parquet",
                           compression=comp, row_group_size=row_group_size)
            pq.write_table(part.slice(half), fact_dir / f"date={d}/part-1.parquet",
                           compression=comp, row_group_size=row_group_size)
        else:
            pq.write_table(part, fact_dir / f"date={d}/part-0.parquet", compression=comp,
                           row_group_size=row_group_size)

    con = duckdb.connect()
    for t in ["dim_langs", "dim_words", "dim_users", "dim_times", "quarantine"]:
        (out / t).mkdir(exist_ok=True)
    langs = sorted(set(recs["learning_language"]) | set(recs["ui_language"]))
    con.execute("CREATE TABLE dim_langs(alpha2_code VARCHAR, english_name VARCHAR, alpha3_b VARCHAR, "
                "french_name VARCHAR)")
    con.executemany("INSERT INTO dim_langs VALUES (?, ?, ?, ?)",
                    [(c, LANG_NAMES[c], c + "x", LANG_NAMES[c] + " (fr)") for c in langs])
    con.execute("CREATE TABLE dim_words(lexeme_id VARCHAR, language VARCHAR, lexeme_string VARCHAR, "
                "surface VARCHAR, lemma VARCHAR, part_of_speech VARCHAR)")
    con.executemany("INSERT INTO dim_words VALUES (?, ?, ?, ?, ?, ?)", [w[:6] for w in words])
    con.register("fact_arrow", fact)
    con.execute("CREATE TABLE dim_users AS SELECT user_id, count(DISTINCT epoch) AS number_of_sessions, "
                "min(timestamp) AS first_seen, max(timestamp) AS last_seen, count(*) AS views, "
                "count(DISTINCT (learning_language, ui_language)) AS number_of_courses "
                "FROM fact_arrow GROUP BY user_id ORDER BY user_id")
    con.execute("CREATE TABLE dim_times AS SELECT DISTINCT epoch, timestamp, "
                "hour(timestamp AT TIME ZONE 'UTC')::INTEGER AS hour FROM fact_arrow ORDER BY epoch")
    con.execute("CREATE TABLE quarantine(source_file VARCHAR, line_number BIGINT, reason VARCHAR, "
                "detail VARCHAR, raw_line VARCHAR)")
    con.execute("INSERT INTO quarantine VALUES ('traces.csv', 99999, 'bad_lexeme', 'no tag', ?)",
                [f"1.0,1362076081,1,u:x,en,es,{'0' * 32},{EVIL},1,1,1,1"])
    for t in ["dim_langs", "dim_words", "dim_users", "dim_times", "quarantine"]:
        con.execute(f"COPY {t} TO '{out / t / 'part-0.parquet'}' (FORMAT PARQUET)")
    con.close()

    # A manifest in the format `wordviews run` writes (run::ManifestFromJson reads it).
    def table_record(name):
        files = []
        for f in sorted((out / name).rglob("*.parquet")):
            data = f.read_bytes()
            files.append({"path": str(f.relative_to(out)), "rows": pq.read_metadata(f).num_rows,
                          "bytes": len(data), "crc32": zlib.crc32(data)})
        return {"rows": sum(f["rows"] for f in files), "files": files}

    def check(name, passed, detail, severity="error", observed=0, expected=0):
        return {"name": name, "passed": passed, "severity": severity, "observed": observed,
                "expected": expected, "detail": detail}

    manifest = {
        "format_version": 1,
        "run_id": "test-run-1",
        "program_version": "test",
        "created_at": "2013-03-15T00:00:00Z",
        "arguments": ["wordviews", "run", "--traces", "traces.csv"],
        "options": {"threads": "2"},
        "inputs": [{"path": "traces.csv", "bytes": 0, "crc32": 0}],
        "rows": {"input": n + 1, "accepted": n, "rejected": 1},
        "rejected_by_reason": {"bad_lexeme": 1},
        "tables": {t: table_record(t) for t in ["fact_wordviews", "dim_users", "dim_times",
                                                 "dim_langs", "dim_words", "quarantine"]},
        "quality_checks": [
            check("fact_foreign_keys_resolve", True, "all keys resolve"),
            check("reconciliation", True, f"{n + 1} = {n} + 1", observed=n + 1, expected=n + 1),
            check("p_recall_consistency", False, f"0 rows disagree {EVIL if evil else ''}",
                  observed=1),
        ],
        "stages": [{"stage": "build", "seconds": 0.5}],
        "peak_rss_bytes": 0,
    }
    (out / "_manifest.json").write_text(json.dumps(manifest, indent=1))
    return out


@pytest.fixture(scope="module", params=["built", "run"])
def star(request, tmp_path_factory, wv_bin):
    """Every test runs twice: on the star schema built above (pyarrow/DuckDB
    writers, known ground truth) and on the real pipeline's output
    (`wordviews generate` + `wordviews run`, our own Parquet writer)."""
    if request.param == "built":
        return build_star_schema(tmp_path_factory.mktemp("star") / "out")
    return run_pipeline(wv_bin, tmp_path_factory.mktemp("run"), rows=60000, seed=5)


def run_pipeline(wv_bin, d, rows, seed):
    """`wordviews generate` + `wordviews run` into D/out; returns that folder."""
    for args in (["generate", "--rows", str(rows), "--seed", str(seed), "--out", d / "traces.csv",
                  "-q"],
                 ["run", "--traces", d / "traces.csv", "--out", d / "out", "--quiet"]):
        proc = subprocess.run([wv_bin, *map(str, args)], capture_output=True, text=True)
        assert proc.returncode == 0, f"wordviews {args[0]}: {proc.stderr}"
    return d / "out"


def built(star_dir):
    """True for the star schema built by build_star_schema (whose ground truth the tests know)."""
    return json.loads((star_dir / "_manifest.json").read_text()).get("run_id") == "test-run-1"


def run_query(wv_bin, star_dir, name, fmt="csv", *extra):
    proc = subprocess.run([wv_bin, "query", str(star_dir), name, "--format", fmt, *extra],
                          capture_output=True, text=True)
    assert proc.returncode == 0, f"{name}: exit {proc.returncode}: {proc.stderr}"
    return proc.stdout


def query_rows(wv_bin, star_dir, name, *extra):
    """The CSV output as a list of dicts with typed values (from the JSON types)."""
    text = run_query(wv_bin, star_dir, name, "csv", *extra)
    js = json.loads(run_query(wv_bin, star_dir, name, "json", *extra))
    types = {c["name"]: c["type"] for c in js["columns"]}
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == [c["name"] for c in js["columns"]]
    rows = []
    for raw in reader:
        row = {}
        for k, v in raw.items():
            if v == "":
                row[k] = None if types[k] != "string" else ""
            elif types[k] == "int64":
                row[k] = int(v)
            elif types[k] == "double":
                row[k] = float(v)
            else:
                row[k] = v
        rows.append(row)
    # CSV and JSON agree exactly (JSON keeps nulls in strings apart from "").
    assert len(js["rows"]) == len(rows)
    for a, b in zip(rows, js["rows"]):
        for k in a:
            if types[k] == "string":
                assert (b[k] or "") == a[k]
            else:
                assert b[k] == a[k], (name, k, a, b)
    return rows


def fact_sql(star_dir):
    return f"read_parquet('{star_dir}/fact_wordviews/*/*.parquet', hive_partitioning = true)"


def oracle(star_dir, sql):
    con = duckdb.connect()
    con.execute(f"CREATE VIEW f AS SELECT * FROM {fact_sql(star_dir)}")
    con.execute(f"CREATE VIEW w AS SELECT * FROM read_parquet('{star_dir}/dim_words/*.parquet')")
    con.execute(f"CREATE VIEW l AS SELECT * FROM read_parquet('{star_dir}/dim_langs/*.parquet')")
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def close(a, b, rel=1e-12, abs_=0.0):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def assert_rows(ours, theirs, keys, ints=(), doubles=(), rel=1e-12):
    assert len(ours) == len(theirs), (len(ours), len(theirs))
    for i, (a, b) in enumerate(zip(ours, theirs)):
        for k in keys:
            assert a[k] == b[k], (i, k, a, b)
        for k in ints:
            assert a[k] == b[k], (i, k, a[k], b[k])
        for k in doubles:
            assert close(a[k], b[k], rel), (i, k, a[k], b[k])


def wilson(c, n):
    ci = stats.binomtest(int(c), int(n)).proportion_ci(0.95, method="wilson")
    return ci.low, ci.high


def test_star_schema_is_readable_by_duckdb(star):
    # Sanity of the fixture itself: several partitions, files and row groups.
    files = sorted(star.glob("fact_wordviews/date=*/*.parquet"))
    assert len(files) >= 14
    if built(star):
        assert any(pq.ParquetFile(f).num_row_groups > 1 for f in files)
    assert oracle(star, "SELECT count(*) AS n FROM f")[0]["n"] >= 40000


def test_pairs(wv_bin, star):
    ours = query_rows(wv_bin, star, "pairs")
    theirs = oracle(star, """
        SELECT f.learning_language, f.ui_language, ll.english_name AS learning_name,
               ul.english_name AS ui_name, count(*) AS views
        FROM f LEFT JOIN l ll ON ll.alpha2_code = f.learning_language
               LEFT JOIN l ul ON ul.alpha2_code = f.ui_language
        GROUP BY ALL ORDER BY 1, 2""")
    assert len(ours) == len(PAIRS)  # both fixtures have the real data's eight pairs
    assert_rows(ours, theirs, ["learning_language", "ui_language", "learning_name", "ui_name"], ["views"])


def test_pair_users(wv_bin, star):
    ours = query_rows(wv_bin, star, "pair-users")
    theirs = oracle(star, """
        SELECT learning_language, ui_language, count(DISTINCT user_id) AS users,
               count(DISTINCT user_id) / (SELECT count(DISTINCT user_id) FROM f) AS share
        FROM f GROUP BY ALL ORDER BY users DESC, 1, 2""")
    assert_rows(ours, theirs, ["learning_language", "ui_language"], ["users"], ["share"])


def test_pair_views(wv_bin, star):
    ours = query_rows(wv_bin, star, "pair-views")
    theirs = oracle(star, """
        SELECT learning_language, ui_language, count(*) AS views,
               count(DISTINCT (user_id, epoch)) AS sessions, sum(session_seen) AS exercises,
               count(*) / (SELECT count(*) FROM f) AS share_of_views
        FROM f GROUP BY ALL ORDER BY views DESC, 1, 2""")
    assert_rows(ours, theirs, ["learning_language", "ui_language"], ["views", "sessions", "exercises"],
                ["share_of_views"])


def hour_counts(star):
    rows = oracle(star, """
        WITH p AS (SELECT DISTINCT learning_language, ui_language FROM f),
             h AS (SELECT range AS hour FROM range(24)),
             c AS (SELECT learning_language, ui_language, hour(timestamp AT TIME ZONE 'UTC') AS hour,
                          count(*) AS views FROM f GROUP BY ALL)
        SELECT p.learning_language, p.ui_language, h.hour, coalesce(c.views, 0) AS views,
               coalesce(c.views, 0) / sum(coalesce(c.views, 0)) OVER (PARTITION BY p.learning_language, p.ui_language)
                 AS share_of_pair
        FROM p CROSS JOIN h LEFT JOIN c USING (learning_language, ui_language, hour)
        ORDER BY 1, 2, 3""")
    return rows


def test_time_of_day(wv_bin, star):
    ours = query_rows(wv_bin, star, "time-of-day")
    theirs = hour_counts(star)
    assert len(ours) == 24 * len({(r["learning_language"], r["ui_language"]) for r in theirs})
    assert_rows(ours, theirs, ["learning_language", "ui_language", "hour"], ["views"], ["share_of_pair"])


def test_time_of_day_test(wv_bin, star):
    ours = query_rows(wv_bin, star, "time-of-day-test")
    counts = hour_counts(star)
    pairs = sorted({(r["learning_language"], r["ui_language"]) for r in counts})
    table = np.array([[r["views"] for r in counts if (r["learning_language"], r["ui_language"]) == p]
                      for p in pairs], dtype=float)
    assert len(ours) == len(pairs) + 1
    col = table.sum(axis=0)
    used = col > 0
    for i, p in enumerate(pairs):
        row = ours[i]
        assert row["scope"] == "pair" and (row["learning_language"], row["ui_language"]) == p
        obs = table[i][used]
        exp = obs.sum() * col[used] / col.sum()
        chi2, pval = stats.chisquare(obs, exp)
        k = used.sum()
        assert row["views"] == int(obs.sum())
        assert close(row["chi2"], chi2, 1e-10), (p, row["chi2"], chi2)
        assert row["dof"] == k - 1
        assert close(row["p_value"], pval, 1e-8, 1e-300), (p, row["p_value"], pval)
        assert close(row["cramers_v"], math.sqrt(chi2 / (obs.sum() * (k - 1))), 1e-10)
        assert row["peak_hour"] == int(np.argmax(table[i]))
        assert close(row["peak_hour_share"], table[i].max() / table[i].sum(), 1e-12)
    overall = ours[-1]
    assert overall["scope"] == "overall" and overall["learning_language"] == ""
    t = table[:, used]
    chi2, pval, dof, _ = stats.chi2_contingency(t, correction=False)
    assert close(overall["chi2"], chi2, 1e-10)
    assert overall["dof"] == dof
    assert close(overall["p_value"], pval, 1e-8, 1e-300)
    assert close(overall["cramers_v"], contingency.association(t.astype(int), method="cramer"), 1e-10)
    assert overall["peak_hour"] == int(np.argmax(col))
    # The per-pair statistics decompose the overall one.
    assert close(sum(r["chi2"] for r in ours[:-1]), overall["chi2"], 1e-10)
    # The built fixture has pair-specific peaks: the dependence must be detected.
    if built(star):
        assert overall["p_value"] < 1e-10


def mle_half_life(delta_days, seen, correct):
    """Independent MLE of h in p = 2^(-d/h): root of dl/dh by Brent's method."""
    keep = delta_days > 0
    d, n, c = delta_days[keep], seen[keep].astype(float), correct[keep].astype(float)
    if c.sum() == 0 or c.sum() == n.sum():
        return None

    def dl_dh(log_h):
        # d ln p / dh = d ln2 / h^2 and p / (1 - p) = 1 / (2^(d/h) - 1), so
        # dl/dh = (ln2 / h^2) * sum d * (c - (n - c) / expm1(d ln2 / h)); the
        # positive factor ln2/h^2 does not move the root and is dropped.
        h = math.exp(log_h)
        with np.errstate(over="ignore"):
            return float(np.sum(d * (c - (n - c) / np.expm1(d * np.log(2) / h))))

    lo, hi = math.log(1e-6), math.log(1e6)
    if dl_dh(lo) <= 0 or dl_dh(hi) >= 0:
        return None
    return math.exp(optimize.brentq(dl_dh, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500))


def log_lik(delta_days, seen, correct, h):
    keep = delta_days > 0
    x = delta_days[keep] / h
    c, n = correct[keep], seen[keep]
    # ln p = -x ln2; ln(1 - p) = ln(-expm1(-x ln2)).
    return float(np.sum(-c * x * np.log(2) + (n - c) * np.log(-np.expm1(-x * np.log(2)))))


def check_retention(ours, star, group_cols):
    g = ", ".join(group_cols)
    theirs = oracle(star, f"""
        SELECT {g}, count(*) AS views, sum(session_seen) AS exercises, sum(session_correct) AS correct,
               sum(session_correct) / sum(session_seen) AS recall_rate, avg(p_recall) AS mean_p_recall,
               median(delta) / 86400 AS median_lag_days
        FROM f GROUP BY ALL ORDER BY recall_rate DESC, {g}""")
    raw = oracle(star, f"SELECT {g}, delta, session_seen, session_correct FROM f")
    assert_rows(ours, theirs, group_cols, ["views", "exercises", "correct"], ["recall_rate"])
    for rank, (a, b) in enumerate(zip(ours, theirs), 1):
        assert a["rank"] == rank
        assert close(a["mean_p_recall"], b["mean_p_recall"], 1e-10)
        assert close(a["median_lag_days"], b["median_lag_days"], 1e-12)
        lo, hi = wilson(b["correct"], b["exercises"])
        assert close(a["ci_low"], lo, 1e-10) and close(a["ci_high"], hi, 1e-10), (a, lo, hi)
        sel = [r for r in raw if all(r[k] == a[k] for k in group_cols)]
        d = np.array([r["delta"] for r in sel], dtype=float) / 86400.0
        n = np.array([r["session_seen"] for r in sel], dtype=float)
        c = np.array([r["session_correct"] for r in sel], dtype=float)
        h = mle_half_life(d, n, c)
        assert h is not None and a["half_life_days"] is not None
        assert close(a["half_life_days"], h, 1e-8), (a, h)
        # And it is a maximum of the likelihood computed independently.
        best = log_lik(d, n, c, a["half_life_days"])
        assert best >= log_lik(d, n, c, a["half_life_days"] * 1.0001)
        assert best >= log_lik(d, n, c, a["half_life_days"] / 1.0001)
    return theirs


def test_retention_pairs(wv_bin, star):
    ours = query_rows(wv_bin, star, "retention-pairs")
    assert len(ours) == len(PAIRS)
    check_retention(ours, star, ["learning_language", "ui_language"])
    # The fixture draws outcomes with known per-pair half-lives scaled by word
    # difficulty: the fit must order the extreme pairs correctly.
    if built(star):
        h = {(r["learning_language"], r["ui_language"]): r["half_life_days"] for r in ours}
        assert h[("en", "it")] > h[("de", "en")]


def test_retention_ui(wv_bin, star):
    ours = query_rows(wv_bin, star, "retention-ui")
    check_retention(ours, star, ["ui_language"])
    names = {r["alpha2_code"]: r["english_name"] for r in oracle(star, "SELECT * FROM l")}
    courses = {r["ui_language"]: r["n"] for r in oracle(
        star, "SELECT ui_language, count(DISTINCT learning_language) AS n FROM f GROUP BY ALL")}
    for r in ours:
        assert r["ui_name"] == names[r["ui_language"]]
        assert r["learning_languages"] == courses[r["ui_language"]]


def test_forgetting_curve(wv_bin, star):
    ours = query_rows(wv_bin, star, "forgetting-curve")
    theirs = oracle(star, """
        WITH b AS (SELECT * FROM (VALUES (0, '<1h'), (1, '1h-1d'), (2, '1d-7d'), (3, '7d-30d'), (4, '>30d'))
                   t(bucket_index, lag_bucket)),
             p AS (SELECT DISTINCT learning_language, ui_language FROM f),
             c AS (SELECT learning_language, ui_language,
                          CASE WHEN delta < 3600 THEN 0 WHEN delta < 86400 THEN 1
                               WHEN delta < 7 * 86400 THEN 2 WHEN delta < 30 * 86400 THEN 3 ELSE 4 END
                            AS bucket_index,
                          count(*) AS views, sum(session_seen) AS exercises,
                          sum(session_correct) AS correct, avg(p_recall) AS mean_p_recall
                   FROM f GROUP BY ALL)
        SELECT p.learning_language, p.ui_language, b.lag_bucket, b.bucket_index,
               coalesce(c.views, 0) AS views, coalesce(c.exercises, 0) AS exercises,
               coalesce(c.correct, 0) AS correct, c.correct / c.exercises AS recall_rate, c.mean_p_recall
        FROM p CROSS JOIN b LEFT JOIN c USING (learning_language, ui_language, bucket_index)
        ORDER BY 1, 2, b.bucket_index""")
    assert_rows(ours, theirs, ["learning_language", "ui_language", "lag_bucket"],
                ["bucket_index", "views", "exercises", "correct"], ["recall_rate"])
    for a, b in zip(ours, theirs):
        assert close(a["mean_p_recall"], b["mean_p_recall"], 1e-10)
        if b["exercises"]:
            lo, hi = wilson(b["correct"], b["exercises"])
            assert close(a["ci_low"], lo, 1e-10) and close(a["ci_high"], hi, 1e-10)
    # Forgetting: recall falls from the shortest to the longest lag for every pair.
    for i in range(0, len(ours), 5):
        if not built(star):
            break
        assert ours[i]["recall_rate"] > ours[i + 4]["recall_rate"]


@pytest.mark.parametrize("top,min_views", [(10, 50), (3, 200)])
def test_hardest_words(wv_bin, star, top, min_views):
    ours = query_rows(wv_bin, star, "hardest-words", "--top", str(top), "--min-views", str(min_views))
    theirs = oracle(star, f"""
        WITH g AS (SELECT learning_language, lexeme_id, count(*) AS views, sum(session_seen) AS exercises,
                          sum(session_correct) AS correct,
                          sum(session_correct) / sum(session_seen) AS recall_rate,
                          avg(p_recall) AS mean_p_recall
                   FROM f GROUP BY ALL HAVING count(*) >= {min_views}),
             r AS (SELECT *, row_number() OVER (PARTITION BY learning_language
                                                ORDER BY recall_rate, views DESC, lexeme_id) AS rank FROM g)
        SELECT r.*, w.lexeme_string, w.part_of_speech FROM r LEFT JOIN w USING (lexeme_id)
        WHERE rank <= {top} ORDER BY learning_language, rank""")
    assert len(ours) > 0
    assert_rows(ours, theirs, ["learning_language", "lexeme_id", "lexeme_string", "part_of_speech"],
                ["rank", "views", "exercises", "correct"], ["recall_rate"])
    for a, b in zip(ours, theirs):
        assert close(a["mean_p_recall"], b["mean_p_recall"], 1e-10)
        lo, hi = wilson(b["correct"], b["exercises"])
        assert close(a["ci_low"], lo, 1e-10) and close(a["ci_high"], hi, 1e-10)


def test_recall_by_pos(wv_bin, star):
    ours = query_rows(wv_bin, star, "recall-by-pos")
    theirs = oracle(star, """
        SELECT w.part_of_speech, count(DISTINCT f.lexeme_id) AS words, count(*) AS views,
               sum(session_seen) AS exercises, sum(session_correct) AS correct,
               sum(session_correct) / sum(session_seen) AS recall_rate, avg(p_recall) AS mean_p_recall
        FROM f LEFT JOIN w USING (lexeme_id)
        GROUP BY w.part_of_speech ORDER BY w.part_of_speech IS NULL, views DESC, w.part_of_speech""")
    if built(star):
        assert {r["part_of_speech"] for r in ours} == set(POS)
    assert_rows(ours, theirs, ["part_of_speech"], ["words", "views", "exercises", "correct"],
                ["recall_rate"])
    for a, b in zip(ours, theirs):
        assert close(a["mean_p_recall"], b["mean_p_recall"], 1e-10)


def test_table_format_is_aligned_with_totals(wv_bin, star):
    out = run_query(wv_bin, star, "pair-views", "table")
    lines = out.splitlines()
    assert lines[0].split() == ["learning_language", "ui_language", "views", "sessions", "exercises",
                                "share_of_views"]
    assert set(lines[1]) == {"-"}
    total = oracle(star, "SELECT count(*) AS n FROM f")[0]["n"]
    assert any(line.startswith("total") and f"{total:,}" in line for line in lines)


def test_results_are_deterministic(wv_bin, star):
    for name in ["retention-pairs", "time-of-day-test", "pair-views"]:
        a = run_query(wv_bin, star, name, "json", "--threads", "1")
        b = run_query(wv_bin, star, name, "json", "--threads", "2")
        assert a == b, name


def test_list_and_help_name_every_query(wv_bin):
    listed = subprocess.run([wv_bin, "query", "--list"], capture_output=True, text=True)
    assert listed.returncode == 0
    helped = subprocess.run([wv_bin, "query", "--help"], capture_output=True, text=True)
    assert helped.returncode == 0
    for q in QUERIES:
        assert f"  {q} " in listed.stdout, q
        assert q in helped.stdout, q


def test_unknown_query_is_a_usage_error(wv_bin, star):
    proc = subprocess.run([wv_bin, "query", str(star), "no-such-query"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "unknown query" in proc.stderr
    assert proc.stdout == ""


def test_missing_dir_is_an_input_error(wv_bin, tmp_path):
    proc = subprocess.run([wv_bin, "query", str(tmp_path / "nope"), "pairs"], capture_output=True, text=True)
    assert proc.returncode == 3
    assert "nope" in proc.stderr


def test_not_a_wordviews_output_is_an_input_error(wv_bin, tmp_path):
    (tmp_path / "something").mkdir()
    proc = subprocess.run([wv_bin, "query", str(tmp_path), "pairs"], capture_output=True, text=True)
    assert proc.returncode == 3
    assert "fact_wordviews" in proc.stderr


def test_corrupt_fact_file_is_an_input_error(wv_bin, star, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(star, bad)
    victim = sorted(bad.glob("fact_wordviews/date=*/*.parquet"))[3]
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2] + data[-8:])  # keep the footer magic, lose the middle
    # With its manifest, the output is refused before any read (exit 6).
    proc = subprocess.run([wv_bin, "query", str(bad), "pairs"], capture_output=True, text=True)
    assert proc.returncode == 6, proc.stderr
    assert str(victim.relative_to(bad)) in proc.stderr
    assert proc.stdout == ""
    # Without one (another tool's star schema), the reader itself says so.
    (bad / "_manifest.json").unlink()
    proc = subprocess.run([wv_bin, "query", str(bad), "pairs"], capture_output=True, text=True)
    assert proc.returncode == 3, proc.stderr
    assert victim.name in proc.stderr
    assert proc.stdout == ""


def test_missing_column_is_an_input_error(wv_bin, star, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(star, bad)
    victim = sorted(bad.glob("fact_wordviews/date=*/*.parquet"))[0]
    pq.write_table(pq.read_table(victim).drop(["delta"]), victim)
    (bad / "_manifest.json").unlink()  # another tool's star schema: read unverified
    proc = subprocess.run([wv_bin, "query", str(bad), "retention-pairs"], capture_output=True, text=True)
    assert proc.returncode == 3
    assert "delta" in proc.stderr
    # A query that does not need the column still works (projection).
    ok = subprocess.run([wv_bin, "query", str(bad), "pairs"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr


def rewrite_facts(star, tmp_path, keep):
    """A copy of `star` whose fact files keep only the rows `keep(table)` selects
    (without the manifest, which no longer describes them)."""
    out = tmp_path / "copy"
    shutil.copytree(star, out)
    (out / "_manifest.json").unlink()
    for f in out.glob("fact_wordviews/date=*/*.parquet"):
        t = pq.read_table(f)
        pq.write_table(t.filter(keep(t)), f)
    return out


def test_empty_fact_table(wv_bin, star, tmp_path):
    empty = rewrite_facts(star, tmp_path, lambda t: pa.array([False] * t.num_rows))
    for q in QUERIES:
        out = run_query(wv_bin, empty, q, "csv")
        lines = out.splitlines()
        expected = 2 if q == "time-of-day-test" else 1  # header (+ the overall row)
        assert len(lines) == expected, (q, out)
        js = json.loads(run_query(wv_bin, empty, q, "json"))
        assert len(js["rows"]) == expected - 1
    rep = tmp_path / "r.html"
    proc = subprocess.run([wv_bin, "report", str(empty), "-o", str(rep)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "The fact table is empty" in rep.read_text(encoding="utf-8")


def test_single_pair_has_no_independence_test(wv_bin, star, tmp_path):
    one = rewrite_facts(star, tmp_path, lambda t: pa.compute.and_(
        pa.compute.equal(t["learning_language"], "es"), pa.compute.equal(t["ui_language"], "en")))
    rows = query_rows(wv_bin, one, "time-of-day-test")
    assert [r["scope"] for r in rows] == ["pair", "overall"]
    # One pair: its hours equal the overall hours (chi2 0) and independence has dof 0, no p-value.
    assert rows[0]["chi2"] < 1e-9 and rows[0]["p_value"] > 1 - 1e-9
    assert rows[1]["dof"] == 0 and rows[1]["p_value"] is None and rows[1]["cramers_v"] is None
    ret = query_rows(wv_bin, one, "retention-pairs")
    assert len(ret) == 1 and ret[0]["rank"] == 1
