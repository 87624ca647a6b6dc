"""deploy/: what an operator installs, each tested (issue 12's schedule).

- the systemd units: `systemd-analyze verify` (and a broken copy that it must refuse), the
  timer's next elapse at 05:00 UTC, Persistent=true, the hardening options;
- deploy/wordviews-daily, the one place the day's commands come from, run for real;
- the Airflow DAG: parsed by Airflow's DagBag (no import error), then run once with
  dag.test() against local data, in a temporary AIRFLOW_HOME with SQLite, loading a real
  PostgreSQL; the results are checked with DuckDB and psycopg, not with wordviews.

Both of the script's modes run: "append" (`run --append` the day) and "rebuild" (plain `run`
over every day file so far); both then run `load --append`, which adds only the day's batch after
an append and loads the whole output after a rebuild (the warehouse's state tables say which).
"""
import configparser
import json
import os
import pathlib
import shutil
import subprocess

import duckdb
import pytest

from conftest import REPO
from postgres_server import pg_server  # noqa: F401  (fixture)
from test_query import fact_sql

DEPLOY = REPO / "deploy"
SCRIPT = DEPLOY / "wordviews-daily"
UNITS = ["wordviews-daily.service", "wordviews-daily.timer", "wordviews-freshness.service",
         "wordviews-freshness.timer", "wordviews-alert@.service"]
AIRFLOW_VENV = pathlib.Path(os.environ.get("WV_AIRFLOW_VENV", REPO / ".venv-airflow"))
DAYS = ["2013-03-04", "2013-03-05"]


def unit(name):
    p = configparser.ConfigParser(strict=False, interpolation=None)
    p.optionxform = str
    p.read(DEPLOY / "systemd" / name)
    return p


def installed_units(tmp_path, env_file, edits=None):
    """The units with the paths of this checkout (what an operator's install does)."""
    d = tmp_path / "units"
    d.mkdir()
    for name in UNITS:
        text = (DEPLOY / "systemd" / name).read_text()
        text = text.replace("/usr/local/lib/wordviews/wordviews-daily", str(SCRIPT))
        text = text.replace("/etc/wordviews/daily.env", str(env_file))
        for old, new in (edits or {}).get(name, []):
            assert old in text
            text = text.replace(old, new)
        (d / name).write_text(text)
    return d


def verify(units_dir):
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze missing: `make setup` installs Debian's systemd")
    return subprocess.run(["systemd-analyze", "verify", "--man=no", *UNITS], cwd=units_dir,
                          capture_output=True, text=True)


def test_systemd_units_verify(tmp_path):
    env = tmp_path / "daily.env"
    env.write_text((DEPLOY / "systemd" / "daily.env.example").read_text())
    proc = verify(installed_units(tmp_path, env))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "", proc.stderr  # not even a warning


def test_systemd_verify_refuses_a_broken_unit(tmp_path):
    """The check above can fail: a bad calendar and a bad option are refused."""
    env = tmp_path / "daily.env"
    env.write_text("")
    d = installed_units(tmp_path, env, {
        "wordviews-daily.timer": [("OnCalendar=*-*-* 05:00:00 UTC", "OnCalendar=at five")],
        "wordviews-daily.service": [("ProtectSystem=strict", "ProtectSystem=very")]})
    proc = verify(d)
    assert proc.returncode != 0
    assert "calendar" in proc.stderr and "protect system" in proc.stderr.lower()


def test_timer_starts_at_five_utc_and_catches_up():
    timer = unit("wordviews-daily.timer")
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["Unit"] == "wordviews-daily.service"
    proc = subprocess.run(["systemd-analyze", "calendar", "--iterations=3", timer["Timer"]["OnCalendar"]],
                          capture_output=True, text=True, check=True)
    elapses = [line.split(":", 1)[1].strip() for line in proc.stdout.splitlines()
               if "elapse" in line.lower() or "Iter." in line]
    assert len(elapses) == 3 and all(e.endswith("05:00:00 UTC") for e in elapses), proc.stdout
    # An attempt is stopped after 90 min; retries every 10 min stop after 8 starts in 110 min,
    # before the 07:05 freshness check.
    service = unit("wordviews-daily.service")
    assert service["Service"]["TimeoutStartSec"] == "90min"
    assert service["Service"]["Restart"] == "on-failure" and service["Service"]["RestartSec"] == "10min"
    assert service["Unit"]["StartLimitIntervalSec"] == "110min"
    assert service["Unit"]["StartLimitBurst"] == "8"
    fresh = unit("wordviews-freshness.timer")["Timer"]
    assert fresh["OnCalendar"] == "*-*-* 07:05:00 UTC" and fresh["Persistent"] == "true"


def test_daily_service_exposure_is_low(tmp_path):
    """systemd's own hardening score (0 = locked down, 10 = exposed): at most 2.0 ("OK")."""
    env = tmp_path / "daily.env"
    env.write_text("")
    d = installed_units(tmp_path, env)
    proc = subprocess.run(["systemd-analyze", "security", "--offline=true", "--threshold=20",
                           "./wordviews-daily.service"], cwd=d, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    assert "Overall exposure level for wordviews-daily.service: 1." in proc.stdout


def test_services_are_hardened():
    for name in ["wordviews-daily.service", "wordviews-freshness.service"]:
        s = unit(name)["Service"]
        assert s["ProtectSystem"] == "strict" and s["NoNewPrivileges"] == "yes"
        assert s["ProtectHome"] == "yes" and s["PrivateTmp"] == "yes"
        assert s["ReadWritePaths"] == "/var/lib/wordviews"
        assert s["CapabilityBoundingSet"] == ""
        assert s["User"] == "wordviews"
        assert unit(name)["Unit"]["OnFailure"] == "wordviews-alert@%n.service"


# ---- the script ---------------------------------------------------------------

@pytest.fixture(scope="module")
def inbox(wv_bin, tmp_path_factory):
    """Two day files, as they would arrive (gzip), each of one UTC day."""
    d = tmp_path_factory.mktemp("inbox")
    for i, day in enumerate(DAYS):
        subprocess.run([wv_bin, "generate", "--rows", "6000", "--seed", str(40 + i), "--days", "1",
                        "--start", day, "--out", str(d / f"traces-{day}.csv.gz"), "-q"], check=True)
    return d


def script_env(wv_bin, inbox, tmp_path, mode="rebuild", **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WV_")}
    env.update(WV_DAILY_BIN=wv_bin, WV_DAILY_INBOX=str(inbox), WV_DAILY_OUT=str(tmp_path / "out"),
               WV_DAILY_REPORT=str(tmp_path / "report.html"), WV_DAILY_MODE=mode,
               WV_DAILY_THREADS="2", **extra)
    return env


def daily(env, *args):
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env)


def test_script_commands_per_mode(wv_bin, inbox, tmp_path):
    env = script_env(wv_bin, inbox, tmp_path, mode="append", WV_DAILY_PG="dbname=x")
    lines = daily(env, "commands", DAYS[1]).stdout.splitlines()
    assert lines[0].split()[1:3] == ["run", "--traces"]
    assert f"traces-{DAYS[1]}.csv.gz" in lines[0] and f"traces-{DAYS[0]}" not in lines[0]
    assert "--append" in lines[0] and lines[2].split()[1] == "load" and "--append" in lines[2]
    assert lines[1].endswith("--max-age 26 ") and "dbname" not in " ".join(lines)
    env = script_env(wv_bin, inbox, tmp_path, mode="rebuild")
    lines = daily(env, "commands", DAYS[1]).stdout.splitlines()
    assert len(lines) == 3  # no load without WV_DAILY_PG
    # The rebuild replaces the output whole, keeping the state later appends need.
    assert "--append" not in lines[0].split() and "--appendable" in lines[0].split()
    assert lines[0].index(f"traces-{DAYS[0]}") < lines[0].index(f"traces-{DAYS[1]}")
    assert daily(env, "commands", "2013-02-30").returncode == 2
    assert daily(dict(env, WV_DAILY_MODE="sometimes"), "commands").returncode == 2


def test_script_wait_and_a_missing_day(wv_bin, inbox, tmp_path):
    env = script_env(wv_bin, inbox, tmp_path)
    assert daily(env, "wait", DAYS[0]).returncode == 0
    proc = daily(env, "wait", "2013-03-09")
    assert proc.returncode == 1 and "waiting for traces-2013-03-09" in proc.stderr
    proc = daily(env, "run", "2013-03-09")
    assert proc.returncode == 1 and "no traces file for 2013-03-09" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_script_all_rebuild_two_days(wv_bin, inbox, tmp_path):
    env = script_env(wv_bin, inbox, tmp_path)
    for day in DAYS:
        proc = daily(env, "all", day)
        assert proc.returncode == 0, proc.stderr
        assert "load: skipped (WV_DAILY_PG is not set)" in proc.stderr
    out = tmp_path / "out"
    m = json.loads((out / "_manifest.json").read_text())
    assert [pathlib.Path(i["path"]).name for i in m["inputs"]] == [f"traces-{d}.csv.gz" for d in DAYS]
    days = duckdb.connect().execute(
        f"SELECT DISTINCT CAST(date AS VARCHAR) FROM {fact_sql(out)} ORDER BY 1").fetchall()
    assert [d[0] for d in days] == DAYS
    assert (tmp_path / "report.html").read_text().count('class="chart trend"') == 4
    # The deadline check fails once the batch is old: the alert's exit code comes through.
    proc = daily(dict(env, WV_NOW="2099-01-01T00:00:00Z"), "check")
    assert proc.returncode == 9 and "more than --max-age 26 h" in proc.stderr


def test_script_all_append(wv_bin, inbox, tmp_path):
    env = script_env(wv_bin, inbox, tmp_path, mode="append")
    for day in DAYS:
        proc = daily(env, "all", day)
        assert proc.returncode == 0, proc.stderr
    rebuild = tmp_path / "rebuild"
    subprocess.run([wv_bin, "run", "--traces", *[str(inbox / f"traces-{d}.csv.gz") for d in DAYS],
                    "--out", str(rebuild), "--quiet"], check=True)
    con = duckdb.connect()
    con.execute(f"CREATE TABLE appended AS SELECT * FROM {fact_sql(tmp_path / 'out')}")
    con.execute(f"CREATE TABLE rebuilt AS SELECT * FROM {fact_sql(rebuild)}")
    # Every column but the batch id (each append is a batch of its own; the rebuild is one).
    cols = ", ".join(c[0] for c in con.execute("DESCRIBE rebuilt").fetchall()
                     if c[0] != "batch_id")
    assert con.execute("SELECT count(*) FROM appended").fetchone() == \
        con.execute("SELECT count(*) FROM rebuilt").fetchone()
    diff = con.execute(f"SELECT count(*) FROM (SELECT {cols} FROM appended EXCEPT ALL "
                       f"SELECT {cols} FROM rebuilt)").fetchone()[0]
    assert diff == 0


# ---- Airflow --------------------------------------------------------------------

def airflow(tmp_path, *args, env_extra=None):
    python = AIRFLOW_VENV / "bin" / "python"
    if not python.exists():
        pytest.skip(f"no Airflow test environment at {AIRFLOW_VENV}: `make setup` creates it")
    home = tmp_path / "airflow-home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WV_", "AIRFLOW"))}
    env.update(AIRFLOW_HOME=str(home), AIRFLOW__CORE__LOAD_EXAMPLES="False",
               AIRFLOW__CORE__DAGS_FOLDER=str(DEPLOY / "airflow"),
               AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home}/airflow.db",
               AIRFLOW__CORE__EXECUTOR="SequentialExecutor", **(env_extra or {}))
    return subprocess.run([str(python), *args], capture_output=True, text=True, env=env, cwd=tmp_path)


def runner(tmp_path, *args, env_extra=None):
    proc = airflow(tmp_path, str(REPO / "tests" / "e2e" / "airflow_dag_runner.py"),
                   str(DEPLOY / "airflow"), *args, env_extra=env_extra)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc


def migrate(tmp_path, env_extra=None):
    """A fresh metadata database (SQLite) in the temporary AIRFLOW_HOME."""
    proc = airflow(tmp_path, "-m", "airflow", "db", "migrate", env_extra=env_extra)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_airflow_dag_parses(tmp_path):
    migrate(tmp_path)
    info, _ = runner(tmp_path)
    assert info["import_errors"] == {}
    assert info["dag_ids"] == ["wordviews_daily"]
    assert info["schedule"] == "0 5 * * *" and info["sla_miss_callback"]
    tasks = info["tasks"]
    order = ["wait_for_traces", "run_append", "check_fresh", "load_warehouse", "report"]
    assert sorted(tasks) == sorted(order)
    for before, after in zip(order, order[1:]):
        assert tasks[after]["upstream"] == [before]
    assert tasks["wait_for_traces"]["type"] == "BashSensor"
    assert tasks["wait_for_traces"]["mode"] == "reschedule"
    for name in order[1:]:
        assert tasks[name]["retries"] == 2
        assert tasks[name]["sla_seconds"] == 7200  # 05:00 + 2 h = 07:00 UTC
    # Every command is a step of the one script.
    for name, step in zip(order, ["wait", "run", "check", "load", "report"]):
        assert tasks[name]["bash_command"] == \
            f'"$WV_DAILY_SCRIPT" {step} {{{{ data_interval_start | ds }}}}'


@pytest.mark.parametrize("mode", ["rebuild", "append"])
def test_airflow_dag_test_runs_the_day(wv_bin, inbox, tmp_path, pg_server, mode):  # noqa: F811
    db = pg_server.create_database(f"airflow_{mode}")
    out, report = tmp_path / "out", tmp_path / "dash" / "report.html"
    report.parent.mkdir()
    conn = f"postgresql://wvadmin:{pg_server.password}@127.0.0.1:{pg_server.port}/{db}"
    env = {"AIRFLOW_VAR_WORDVIEWS_DAILY_SCRIPT": str(SCRIPT), "AIRFLOW_VAR_WORDVIEWS_BIN": wv_bin,
           "AIRFLOW_VAR_WORDVIEWS_INBOX": str(inbox), "AIRFLOW_VAR_WORDVIEWS_OUT": str(out),
           "AIRFLOW_VAR_WORDVIEWS_REPORT": str(report), "AIRFLOW_VAR_WORDVIEWS_MODE": mode,
           "AIRFLOW_VAR_WORDVIEWS_PG_CONN_ID": "wordviews_pg", "AIRFLOW_CONN_WORDVIEWS_PG": conn}
    migrate(tmp_path, env)
    # dag.test() makes a manual run at the logical date, whose data interval is the day before it:
    # the run of 2013-03-05 05:00 adds 2013-03-04 (as the scheduled run starting then does).
    for day, logical in [(DAYS[0], "2013-03-05T05:00:00"), (DAYS[1], "2013-03-06T05:00:00")]:
        info, proc = runner(tmp_path, "test", logical, env_extra=env)
        assert info["run_state"] == "success", proc.stdout[-4000:] + proc.stderr[-4000:]
        assert set(info["task_states"].values()) == {"success"}, info["task_states"]
        m = json.loads((out / "_manifest.json").read_text())
        assert pathlib.Path(m["inputs"][-1]["path"]).name == f"traces-{day}.csv.gz"
    # What the DAG published, checked independently: the Parquet facts (DuckDB), the
    # warehouse (psycopg) and the dashboard.
    con = duckdb.connect()
    facts = con.execute(f"SELECT count(*), count(DISTINCT CAST(date AS VARCHAR)) FROM {fact_sql(out)}"
                        ).fetchone()
    assert facts[1] == 2
    with pg_server.connect(db) as c:
        assert c.execute("SELECT count(*) FROM wordviews.fact_wordviews").fetchone()[0] == facts[0]
        batches = c.execute("SELECT batch_id, loaded_at FROM wordviews.load_batches "
                            "ORDER BY position").fetchall()
    assert [b[0] for b in batches] == [b["id"] for b in m["batches"]]
    if mode == "append":
        # Two appends, two loads: day 2's load added its batch to day 1's (a full load writes
        # every batch at one time).
        assert len(batches) == 2 and batches[0][1] < batches[1][1]
    html = report.read_text()
    assert html.count('class="chart trend"') == 4 and 'id="freshness"' in html
    assert pg_server.password not in proc.stdout + proc.stderr  # never printed
