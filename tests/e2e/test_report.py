"""`wordviews report`: the HTML report in a real browser, offline.

Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) opens the
report with the network off; every non-file request is aborted and counted as
a failure. The test fails on a console error, a page error, a dialog (an
injected <script> that ran), a blank page, or missing sections/charts. The data
set carries `<script>alert(1)</script>` inside lexeme strings, which the
report shows among the hardest words: it must appear as text, literally.
Set WV_REPORT_SCREENSHOT=path to keep the screenshot for a person to look at.
"""
import os
import pathlib
import re
import shutil
import subprocess

import duckdb
import pytest
from PIL import Image

from test_query import EVIL, build_star_schema, fact_sql, run_pipeline

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

SECTIONS = ["q-common", "q-activity", "q-time", "q-retention-pairs", "q-retention-ui", "words",
            "quality", "dictionary"]


@pytest.fixture(scope="module")
def evil_star(tmp_path_factory):
    return build_star_schema(tmp_path_factory.mktemp("evil") / "out", rows=30000, seed=11, evil=True)


@pytest.fixture(scope="module")
def report(wv_bin, evil_star, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    proc = subprocess.run([wv_bin, "report", str(evil_star), "-o", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out


def test_report_is_self_contained(report):
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    # No script at all, and nothing loaded from elsewhere.
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html, re.I)
    assert "@import" not in html and "url(" not in html
    assert "<link" not in html.lower()
    # The data's markup is escaped, not passed through.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html


def test_report_in_headless_chromium(report, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} missing: `make setup` installs Debian's chromium")
    failures, console_errors, dialogs = [], [], []
    shot = pathlib.Path(os.environ.get("WV_REPORT_SCREENSHOT", tmp_path / "report.png"))
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})

            def route(r):
                if r.request.url.startswith("file:"):
                    r.continue_()
                else:
                    failures.append(r.request.url)
                    r.abort()

            context.route("**/*", route)
            page = context.new_page()
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: console_errors.append(str(e)))
            page.on("requestfailed", lambda r: failures.append(r.url) if not r.url.startswith("file:") else None)

            def on_dialog(d):
                dialogs.append(d.message)
                d.dismiss()

            page.on("dialog", on_dialog)
            page.goto(report.as_uri(), wait_until="load")
            page.wait_for_timeout(300)  # let any (unexpected) script or dialog fire
            page.screenshot(path=str(shot), full_page=True)

            for s in SECTIONS:
                assert page.locator(f"section#{s}").count() == 1, s
                assert page.locator(f"section#{s} h2").inner_text().strip(), s
            # Charts: bars for users/views/sessions, a heatmap, lines, CI dots.
            assert page.locator("section#q-common svg.chart rect.bar").count() >= 8
            assert page.locator("section#q-activity svg.chart rect.bar").count() >= 16
            assert page.locator("section#q-time svg.chart rect.cell").count() == 8 * 24
            assert page.locator("section#q-retention-pairs svg.chart path.line").count() == 8
            assert page.locator("section#q-retention-pairs svg.chart circle.dot").count() == 8
            assert page.locator("section#q-retention-ui svg.chart circle.dot").count() == 4
            # Every chart has a visible size.
            for box in page.locator("svg.chart").evaluate_all(
                    "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })"):
                assert box[0] > 100 and box[1] > 50, box
            # An answer sentence with numbers for each question.
            for s in SECTIONS[:5]:
                text = page.locator(f"section#{s} p.answer").first.inner_text()
                assert re.search(r"\d", text), (s, text)
            # The injected script shows as text in the hardest-words table.
            words = page.locator("section#words").inner_text()
            assert EVIL in words
            assert "<b>bold</b>" in words  # shown literally, not as bold markup
            assert page.locator("section#words b").count() == 0
            # Quality checks from the manifest: 2 passed, 1 failed; and the dictionary.
            quality = page.locator("section#quality").inner_text()
            assert "2 of 3 quality checks passed" in quality
            assert page.locator("section#quality tr.fail").count() == 1
            assert page.locator("section#dictionary table.dict").count() == 6
            dictionary = page.locator("section#dictionary").inner_text()
            for col in ["session_correct", "lexeme_string", "english_name", "number_of_sessions"]:
                assert col in dictionary
        finally:
            browser.close()
    assert failures == [], f"network requests attempted: {failures}"
    assert console_errors == [], console_errors
    assert dialogs == [], f"a script ran: {dialogs}"
    # Not blank: the screenshot has many distinct colours.
    img = Image.open(shot).convert("RGB")
    colours = img.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 20, "screenshot looks blank"


def test_report_numbers_match_duckdb(report, evil_star):
    """The answer sentences quote the right numbers (spot checks against DuckDB)."""
    html = report.read_text(encoding="utf-8")
    con = duckdb.connect()
    top = con.execute(f"""SELECT learning_language, ui_language, count(DISTINCT user_id) AS u
                          FROM {fact_sql(evil_star)} GROUP BY ALL ORDER BY u DESC, 1, 2 LIMIT 1""").fetchone()
    assert f"({top[0]}\u2190{top[1]})</strong>: {top[2]:,} users" in html
    views = con.execute(f"""SELECT learning_language, ui_language, count(*) AS v
                            FROM {fact_sql(evil_star)} GROUP BY ALL ORDER BY v DESC, 1, 2 LIMIT 1""").fetchone()
    assert f"({views[0]}\u2190{views[1]})</strong> has the most activity: {views[2]:,} word views" in html
    total = con.execute(f"SELECT count(*) FROM {fact_sql(evil_star)}").fetchone()[0]
    assert f"{total:,} word views" in html


def test_report_without_manifest(wv_bin, evil_star, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(evil_star, copy)
    (copy / "_manifest.json").unlink()
    out = tmp_path / "r.html"
    proc = subprocess.run([wv_bin, "report", str(copy), "-o", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "No <code>_manifest.json</code>" in out.read_text(encoding="utf-8")


def test_report_errors_leave_no_file(wv_bin, tmp_path):
    out = tmp_path / "r.html"
    proc = subprocess.run([wv_bin, "report", str(tmp_path / "missing"), "-o", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 3
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_report_unwritable_output_is_an_output_error(wv_bin, evil_star, tmp_path):
    out = tmp_path / "no-such-dir" / "r.html"
    proc = subprocess.run([wv_bin, "report", str(evil_star), "-o", str(out)], capture_output=True, text=True)
    assert proc.returncode == 5, proc.stderr


def test_report_replaces_previous_file_atomically(wv_bin, evil_star, tmp_path):
    out = tmp_path / "r.html"
    out.write_text("old")
    proc = subprocess.run([wv_bin, "report", str(evil_star), "-o", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]  # no temporary left behind


def test_report_to_standard_output(wv_bin, evil_star, tmp_path):
    """`-o -` writes the same document to standard output and no file. The dashboard says
    when the report was written: both are written at the same WV_NOW."""
    out = tmp_path / "r.html"
    env = dict(os.environ, WV_NOW="2013-03-15T07:00:00Z")
    to_file = subprocess.run([wv_bin, "report", str(evil_star), "-o", str(out)], capture_output=True,
                             env=env)
    assert to_file.returncode == 0, to_file.stderr
    proc = subprocess.run([wv_bin, "report", str(evil_star), "-o", "-"], capture_output=True,
                          cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == out.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


# ---- the data dictionary against pyarrow, the quality checks' severities ----

TABLES = ["fact_wordviews", "dim_users", "dim_times", "dim_langs", "dim_words", "quarantine"]


def arrow_type_text(t):
    """The report's name of a column type, from pyarrow's reading of the file (the oracle)."""
    import pyarrow as pa
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string"
    if pa.types.is_timestamp(t):
        assert t.unit == "us" and t.tz in ("UTC", "+00:00"), t
        return "timestamp (UTC, µs)"
    if pa.types.is_date32(t):
        return "date"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return "bytes"
    return {pa.int32(): "int32", pa.int64(): "int64", pa.float64(): "double",
            pa.float32(): "float", pa.bool_(): "boolean"}[t]


def dictionary_rows(html, table):
    """(column, type, nullable, description) rows of `table` in the report's data dictionary."""
    import html as htmllib
    start = html.index(f'<h3 id="dict-{table}">')
    end = html.index("</table>", start)
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(yes|no)</td><td>(.*?)</td></tr>",
                      html[start:end])
    return [tuple(htmllib.unescape(c) for c in r) for r in rows]


@pytest.fixture(scope="module")
def run_star(wv_bin, tmp_path_factory):
    """The real pipeline's output (our own Parquet writer, every table the contract lists)."""
    return run_pipeline(wv_bin, tmp_path_factory.mktemp("run"), rows=20000, seed=3)


def render(wv_bin, star_dir, out):
    proc = subprocess.run([wv_bin, "report", str(star_dir), "-o", str(out)], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    return out.read_text(encoding="utf-8")


def test_dictionary_lists_every_column_as_pyarrow_reads_them(wv_bin, run_star, tmp_path):
    import pyarrow.parquet as pq
    html = render(wv_bin, run_star, tmp_path / "r.html")
    for table in TABLES:
        files = sorted((run_star / table).rglob("*.parquet"))
        assert files, table
        schema = pq.read_schema(files[0])
        expected = [(f.name, arrow_type_text(f.type), "yes" if f.nullable else "no")
                    for f in schema]
        rows = dictionary_rows(html, table)
        assert [r[:3] for r in rows] == expected, table
        for name, _, _, description in rows:
            assert description.strip(), (table, name)
    # Our own output follows the contract: no differences to list.
    assert "differ from the contract" not in html


def test_dictionary_flags_files_that_differ_from_the_contract(report):
    html = report.read_text(encoding="utf-8")
    # The built star's dim_users (DuckDB) spells `courses` as `number_of_courses`.
    start = html.index('<h3 id="dict-dim_users">')
    users = html[start:html.index("</table>", start)]
    assert "differ from the contract" in users
    assert re.search(r"Missing from the files: [^<]*\bcourses\b", users)
    assert re.search(r"In the files but not in the contract: [^<]*number_of_courses", users)
    # The contract's columns are listed all the same, number_of_courses is not one of them.
    assert [r[0] for r in dictionary_rows(html, "dim_users")] == [
        "user_id", "number_of_sessions", "first_seen", "last_seen", "views", "courses"]


def test_warnings_render_as_warnings(wv_bin, evil_star, tmp_path):
    import json
    copy = tmp_path / "copy"
    shutil.copytree(evil_star, copy)
    manifest = json.loads((copy / "_manifest.json").read_text())
    manifest["quality_checks"] += [
        {"name": "dim_words.unknown_tags", "passed": False, "severity": "warning", "observed": 7,
         "expected": 0, "detail": "7 words with tags the reference does not know"},
        {"name": "dim_words.wildcards", "passed": True, "severity": "info", "observed": 3,
         "expected": 0, "detail": "3 words with wildcards"},
    ]
    (copy / "_manifest.json").write_text(json.dumps(manifest))
    html = render(wv_bin, copy, tmp_path / "r.html")
    quality = html[html.index('<section id="quality">'):html.index('<section id="dictionary">')]
    # 5 checks: 3 passed (the info included), 1 failed (error), 1 warning: not a failure.
    assert "3 of 5 quality checks passed" in quality
    assert '<strong class="bad">1 failed</strong>' in quality
    assert "1 warning</strong> (counted anomalies, not failures)" in quality
    assert quality.count('<tr class="fail">') == 1
    assert quality.count('<tr class="warn">') == 1
    warn_row = re.search(r'<tr class="warn">(.*?)</tr>', quality).group(1)
    assert "dim_words.unknown_tags" in warn_row and "<td>warning</td>" in warn_row
    fail_row = re.search(r'<tr class="fail">(.*?)</tr>', quality).group(1)
    assert "p_recall_consistency" in fail_row


def test_unreadable_manifest_is_said_not_fatal(wv_bin, evil_star, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(evil_star, copy)
    (copy / "_manifest.json").write_text('{"run_id": "x"}')
    html = render(wv_bin, copy, tmp_path / "r.html")
    assert "<code>_manifest.json</code> could not be read" in html
