"""The 7am dashboard (issue 12): `report`'s freshness and per-day trends, the
daily-trends/daily-totals queries behind them, and `check --max-age`.

Oracles: DuckDB reading the Parquet files recomputes every trend value; the
charts are parsed as XML (xml.etree) and their series, points, values and labels
compared with it; the freshness block is compared with the manifest as JSON;
headless Chromium renders the report (network off) at desktop and phone widths.
The manifest's "batches" list comes from real `run --append` batches; the older
manifest shape without it from a copy with the key removed.
"""
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import duckdb
import pytest

from test_query import fact_sql, query_rows

SVG = "{http://www.w3.org/2000/svg}"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
EXIT_STALE = 9


@pytest.fixture(scope="module")
def out(wv_bin, tmp_path_factory):
    """A real output (generate + run) over 2013-03-01 to 2013-03-06 without 2013-03-03:
    two files around the hole, so that an empty day is inside the range."""
    d = tmp_path_factory.mktemp("dash")
    files = []
    for name, start, days, rows, seed in [("a", "2013-03-01", 2, 16000, 12),
                                          ("b", "2013-03-04", 3, 24000, 13)]:
        files.append(d / f"{name}.csv")
        subprocess.run([wv_bin, "generate", "--rows", str(rows), "--seed", str(seed), "--days",
                        str(days), "--start", start, "--out", str(files[-1]), "-q"], check=True)
    proc = subprocess.run([wv_bin, "run", "--traces", *map(str, files), "--out", str(d / "out"),
                           "--quiet"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return d / "out"


def day_sql(star):
    return f"""SELECT *, CAST(DATE '1970-01-01' + CAST(floor(epoch / 86400) AS INTEGER) AS VARCHAR) AS day
               FROM {fact_sql(star)}"""


def duck_daily_trends(star):
    con = duckdb.connect()
    return con.execute(f"""
        SELECT day, learning_language, ui_language, count(*) AS views,
               count(DISTINCT user_id) AS active_users, sum(session_seen) AS exercises,
               sum(session_correct) AS correct
        FROM ({day_sql(star)}) GROUP BY ALL ORDER BY 1, 2, 3""").fetchall()


def duck_daily_totals(star):
    con = duckdb.connect()
    return con.execute(f"""
        WITH f AS ({day_sql(star)}),
        days AS (SELECT CAST(CAST(g AS DATE) AS VARCHAR) AS day
                 FROM generate_series((SELECT CAST(min(day) AS DATE) FROM f),
                                      (SELECT CAST(max(day) AS DATE) FROM f), INTERVAL 1 DAY) t(g)),
        per AS (SELECT day, count(*) AS views, count(DISTINCT user_id) AS users,
                       sum(session_seen) AS exercises, sum(session_correct) AS correct
                FROM f GROUP BY day),
        first AS (SELECT min(day) AS day, user_id FROM f GROUP BY user_id),
        fresh AS (SELECT day, count(*) AS n FROM first GROUP BY day)
        SELECT days.day, coalesce(views, 0), coalesce(users, 0), coalesce(exercises, 0),
               coalesce(correct, 0), coalesce(fresh.n, 0)
        FROM days LEFT JOIN per USING (day) LEFT JOIN fresh USING (day) ORDER BY 1""").fetchall()


def test_daily_trends_match_duckdb(wv_bin, out):
    rows = query_rows(wv_bin, out, "daily-trends")
    expected = duck_daily_trends(out)
    assert len(expected) > 10
    assert len(rows) == len(expected)
    for r, (day, l, u, views, users, exercises, correct) in zip(rows, expected):
        assert (r["date"], r["learning_language"], r["ui_language"]) == (day, l, u)
        assert (r["views"], r["active_users"], r["exercises"], r["correct"]) == \
            (views, users, exercises, correct), r
        assert r["recall_rate"] == pytest.approx(correct / exercises, rel=1e-12)


def test_daily_totals_match_duckdb_including_the_empty_day(wv_bin, out):
    rows = query_rows(wv_bin, out, "daily-totals")
    expected = duck_daily_totals(out)
    assert [r["date"] for r in rows] == [e[0] for e in expected]
    assert "2013-03-03" in [r["date"] for r in rows]
    for r, (day, views, users, exercises, correct, new_users) in zip(rows, expected):
        assert (r["views"], r["active_users"], r["exercises"], r["correct"], r["new_users"]) == \
            (views, users, exercises, correct, new_users), r
        if exercises:
            assert r["recall_rate"] == pytest.approx(correct / exercises, rel=1e-12)
        else:
            assert r["recall_rate"] is None
    empty = next(r for r in rows if r["date"] == "2013-03-03")
    assert empty["views"] == 0 and empty["new_users"] == 0
    # New users add up to every distinct user once.
    total_users = duckdb.connect().execute(
        f"SELECT count(DISTINCT user_id) FROM {fact_sql(out)}").fetchone()[0]
    assert sum(r["new_users"] for r in rows) == total_users


def render(wv_bin, star, path, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    proc = subprocess.run([wv_bin, "report", str(star), "-o", str(path)], capture_output=True,
                          text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def report_html(wv_bin, out, tmp_path_factory):
    path = tmp_path_factory.mktemp("dash-report") / "report.html"
    return path, render(wv_bin, out, path, {"WV_NOW": "2013-03-07T06:00:00Z"})


def svgs(html):
    """Every inline <svg> of the page, parsed as XML (the report's SVG must be well-formed)."""
    return {e.get("id"): e for e in (ET.fromstring(m) for m in
                                      re.findall(r"<svg\b.*?</svg>", html, re.S))}


def series_of(svg):
    out = {}
    for g in svg.iter(f"{SVG}g"):
        if g.get("class") == "series":
            points = [c for c in g.iter(f"{SVG}circle") if c.get("class") == "point"]
            out[g.get("data-name")] = [(c.get("data-x"), float(c.get("data-value"))) for c in points]
            assert g.find(f"{SVG}path").get("class") == "line"
    return out


def texts(svg, cls):
    return [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == cls]


def test_dashboard_comes_first_and_charts_are_well_formed(report_html, out):
    _, html = report_html
    assert "<script" not in html.lower()
    assert html.index('id="dashboard"') < html.index('id="q-common"')
    charts = svgs(html)
    trends = duck_daily_trends(out)
    totals = duck_daily_totals(out)
    days = [t[0] for t in totals]
    pairs = sorted({f"{t[1]}\u2190{t[2]}" for t in trends})
    for cid, y_title in [("trend-views", "word views"), ("trend-users", "distinct users"),
                         ("trend-new-users", "users seen for the first time"),
                         ("trend-recall", "recall rate")]:
        svg = charts[cid]
        assert svg.get("role") == "img"
        assert svg.find(f"{SVG}title").text
        assert svg.find(f"{SVG}desc").text.startswith(f"{1 if 'new' in cid or 'recall' in cid else len(pairs)} line(s) over {len(days)} day(s)")
        assert texts(svg, "ytitle") == [y_title]
        assert texts(svg, "xtitle") == [f"UTC day, {days[0]} to {days[-1]}"]
        ticks = texts(svg, "xtick")
        assert ticks[0] == days[0][5:] and ticks[-1] == days[-1][5:] and len(ticks) <= 7
        assert len(texts(svg, "ytick")) >= 3
    # Per pair: one series per pair, one point per day of the range (0 where the pair had none).
    for cid, col in [("trend-views", 3), ("trend-users", 4)]:
        got = series_of(charts[cid])
        assert sorted(got) == pairs
        assert texts(charts[cid], "legend") and sorted(texts(charts[cid], "legend")) == pairs
        for pair, points in got.items():
            assert [x for x, _ in points] == days, pair
            want = {t[0]: t[col] for t in trends if f"{t[1]}\u2190{t[2]}" == pair}
            assert [v for _, v in points] == [want.get(day, 0) for day in days], (cid, pair)
    new_users = series_of(charts["trend-new-users"])
    assert new_users == {"all pairs": [(t[0], t[5]) for t in totals]}
    recall = series_of(charts["trend-recall"])["all pairs"]
    # The empty day has no recall: no point there, the line is broken.
    assert [x for x, _ in recall] == [t[0] for t in totals if t[3] > 0]
    assert "2013-03-03" not in [x for x, _ in recall]
    for (x, v), t in zip(recall, [t for t in totals if t[3] > 0]):
        assert v == pytest.approx(t[4] / t[3], rel=1e-12)
    path = next(g.find(f"{SVG}path") for g in charts["trend-recall"].iter(f"{SVG}g")
                if g.get("class") == "series")
    assert path.get("d").count("M") == 2  # two segments around the hole


def freshness_fields(html):
    block = re.search(r'<dl id="freshness".*?</dl>', html, re.S).group(0)
    return dict(re.findall(r'<dd data-field="(\w+)">(.*?)</dd>', block))


def test_freshness_of_a_plain_run_is_its_one_batch(report_html, out):
    _, html = report_html
    m = json.loads((out / "_manifest.json").read_text())
    assert [b["id"] for b in m["batches"]] == [m["run_id"]]
    f = freshness_fields(html)
    assert f["batch"] == m["run_id"]
    assert f["batch_time"] == m["batches"][0]["appended_at"]
    assert f["batches"] == "1"
    for k in ("input", "accepted", "rejected"):
        assert f[k] == f"{m['rows'][k]:,}"
    passed = sum(c["passed"] for c in m["quality_checks"])
    assert f["checks"] == f"{passed} of {len(m['quality_checks'])} passed"


def test_freshness_of_a_manifest_without_batches_is_the_run_itself(wv_bin, out, tmp_path):
    """Outputs written before batches existed: the run is the one batch."""
    shutil.copytree(out, tmp_path / "old")
    m = json.loads((tmp_path / "old" / "_manifest.json").read_text())
    del m["batches"]
    (tmp_path / "old" / "_manifest.json").write_text(json.dumps(m, indent=1))
    html = render(wv_bin, tmp_path / "old", tmp_path / "r.html", {"WV_NOW": "2013-03-07T06:00:00Z"})
    f = freshness_fields(html)
    assert (f["batch"], f["batch_time"], f["batches"]) == (m["run_id"], m["created_at"], "1")


def epoch_of(iso):
    return int(subprocess.run(["date", "-u", "-d", iso, "+%s"], capture_output=True, text=True,
                              check=True).stdout.strip())


@pytest.fixture(scope="module")
def appended(wv_bin, out, tmp_path_factory):
    """The same two trace files as `out`, appended as two batches (batch-1, batch-2)."""
    d = tmp_path_factory.mktemp("dash-append")
    for i, name in enumerate(["a.csv", "b.csv"], start=1):
        proc = subprocess.run([wv_bin, "run", "--traces", str(out.parent / name), "--out",
                               str(d / "out"), "--append", "--run-id", f"batch-{i}", "--quiet"],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    return d / "out"


def test_freshness_is_the_last_batch_when_batches_exist(wv_bin, appended, tmp_path):
    m = json.loads((appended / "_manifest.json").read_text())
    last = m["batches"][-1]
    now = epoch_of(last["appended_at"]) + 90 * 60
    html = render(wv_bin, appended, tmp_path / "r.html", {"WV_NOW": str(now)})
    f = freshness_fields(html)
    assert (f["batch"], f["batch_time"], f["batches"]) == ("batch-2", last["appended_at"], "2")
    assert f["age"] == "1 h 30 min"
    for k in ("input", "accepted", "rejected"):
        assert f[k] == f"{last['rows'][k]:,}"


def check(wv_bin, star, *args, now=None):
    env = dict(os.environ)
    env.pop("WV_NOW", None)
    if now is not None:
        env["WV_NOW"] = now
    return subprocess.run([wv_bin, "check", str(star), *args], capture_output=True, text=True, env=env)


def test_check_max_age_passes_a_fresh_output(wv_bin, out):
    m = json.loads((out / "_manifest.json").read_text())
    proc = check(wv_bin, out, "--max-age", "24")  # the real clock: written seconds ago
    assert proc.returncode == 0, proc.stderr
    assert f"newest batch {m['run_id']} at {m['created_at']}" in proc.stdout
    assert "within --max-age 24 h" in proc.stdout


def test_check_max_age_fails_a_stale_output_with_exit_9(wv_bin, out):
    m = json.loads((out / "_manifest.json").read_text())
    # The injected clock: 26 h 5 min after the run.
    created = subprocess.run(["date", "-u", "-d", m["created_at"], "+%s"], capture_output=True,
                             text=True, check=True).stdout.strip()
    proc = check(wv_bin, out, "--max-age", "24", now=str(int(created) + 26 * 3600 + 5 * 60))
    assert proc.returncode == EXIT_STALE, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert m["created_at"] in lines[0] and "1 d 2 h old" in lines[0] and "--max-age 24 h" in lines[0]
    # Every check was still run and passed: staleness is not a mismatch.
    assert "checks passed" in proc.stdout
    # Without --max-age the same output passes.
    assert check(wv_bin, out, now="2099-01-01T00:00:00Z").returncode == 0


def test_check_max_age_reads_the_last_batch(wv_bin, appended):
    last = json.loads((appended / "_manifest.json").read_text())["batches"][-1]
    now = str(epoch_of(last["appended_at"]) + 110 * 60)
    proc = check(wv_bin, appended, "--max-age", "2", now=now)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"newest batch batch-2 at {last['appended_at']} is 1 h 50 min old" in proc.stdout
    proc = check(wv_bin, appended, "--max-age", "1.5", now=now)
    assert proc.returncode == EXIT_STALE
    assert (f"batch-2 at {last['appended_at']} is 1 h 50 min old, more than --max-age 1.5 h"
            in proc.stderr)


def test_check_max_age_usage_errors(wv_bin, out):
    assert check(wv_bin, out, "--max-age", "0").returncode == 2
    assert check(wv_bin, out, "--max-age", "-3").returncode == 2
    proc = check(wv_bin, out, "--max-age", "1", now="yesterday")
    assert proc.returncode == 2 and "WV_NOW" in proc.stderr


def test_check_max_age_refuses_a_malformed_batch_list(wv_bin, out, tmp_path):
    shutil.copytree(out, tmp_path / "b")
    m = json.loads((tmp_path / "b" / "_manifest.json").read_text())
    m["batches"] = []
    (tmp_path / "b" / "_manifest.json").write_text(json.dumps(m))
    proc = check(wv_bin, tmp_path / "b", "--max-age", "1")
    # The files' rows carry a batch id the manifest no longer lists: a mismatch, found
    # before freshness is asked.
    assert proc.returncode == 6, proc.stderr
    assert "batch" in proc.stdout + proc.stderr


@pytest.mark.parametrize("viewport", [(1200, 900), (390, 844)], ids=["desktop", "phone"])
def test_dashboard_in_headless_chromium(report_html, viewport, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} missing: `make setup` installs Debian's chromium")
    path, _ = report_html
    errors, requests = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(offline=True, java_script_enabled=False,
                                          viewport={"width": viewport[0], "height": viewport[1]})
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                          else (requests.append(r.request.url), r.abort()))
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.as_uri(), wait_until="load")
            page.screenshot(path=str(tmp_path / "dash.png"), full_page=False)
            for cid in ("trend-views", "trend-users", "trend-new-users", "trend-recall"):
                chart = page.locator(f"section#dashboard svg#{cid}")
                assert chart.count() == 1
                assert chart.is_visible()
                box = chart.bounding_box()
                assert box["width"] > 250 and box["height"] > 150, (cid, box)
                # Fits the screen: no sideways scrolling on a phone.
                assert box["x"] >= 0 and box["x"] + box["width"] <= viewport[0] + 0.5, (cid, box)
                assert chart.locator("circle.point").count() > 0
            assert page.locator("dl#freshness dd").count() == 8
            assert page.locator("section#dashboard table#daily-totals tbody tr").count() >= 5
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport[0], width
        finally:
            browser.close()
    assert errors == [] and requests == []
