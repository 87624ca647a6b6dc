"""Apache Airflow DAG: the 7am dashboard of wordviews (docs/OPERATIONS.md).

Every day at 05:00 UTC, for the day that just ended (the day of the data interval's
start, `{{ data_interval_start | ds }}`: a scheduled run's logical date, and for a run triggered
by hand at D+1 05:00 also D): wait for that day's traces file, add it to the published output, check the
output (all its checks, and that its newest batch is fresh), load the warehouse,
write the dashboard. The commands come from one place, deploy/wordviews-daily (the
same steps the systemd service runs): each task is `wordviews-daily STEP DAY`.

Settings are Airflow Variables (or, when unset, the environment variables of the
same upper-case name, e.g. WORDVIEWS_OUT), handed to the script as its WV_DAILY_*:
  wordviews_daily_script  path of deploy/wordviews-daily      (required)
  wordviews_bin           the wordviews binary                 (default: on PATH)
  wordviews_inbox         folder the day files arrive in       (required)
  wordviews_out           the published output (folder or s3://)  (required)
  wordviews_report        the dashboard's destination (file or s3://)  (required)
  wordviews_max_age       hours for `check --max-age`          (default 26)
  wordviews_mode          append (default) or rebuild (see the script)
  wordviews_pg_conn_id    an Airflow connection (postgres) for `load`; unset: no load
The SLA: every task must be done 2 h after the interval's end, i.e. by 07:00 UTC;
a miss calls sla_miss_callback (log it; wire your pager there).
"""
from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta, timezone

from airflow import DAG
from airflow.models import Variable
from airflow.operators.bash import BashOperator
from airflow.sensors.bash import BashSensor

log = logging.getLogger(__name__)

SETTINGS = {  # Variable -> the script's environment variable
    "wordviews_daily_script": "WV_DAILY_SCRIPT",
    "wordviews_bin": "WV_DAILY_BIN",
    "wordviews_inbox": "WV_DAILY_INBOX",
    "wordviews_out": "WV_DAILY_OUT",
    "wordviews_report": "WV_DAILY_REPORT",
    "wordviews_max_age": "WV_DAILY_MAX_AGE",
    "wordviews_mode": "WV_DAILY_MODE",
}


def setting(name: str, default: str | None = None) -> str | None:
    """An Airflow Variable, else the environment variable NAME (upper case), else `default`."""
    value = Variable.get(name, default_var=None)
    if value is None:
        value = os.environ.get(name.upper(), default)
    return value


def script_env() -> dict[str, str]:
    """The environment of every task: the scheduler's, plus the script's settings.
    Read when a task runs (a Jinja macro), not when the DAG file is parsed."""
    env = dict(os.environ)
    for var, key in SETTINGS.items():
        value = setting(var)
        if value is not None:
            env[key] = value
    conn_id = setting("wordviews_pg_conn_id")
    if conn_id:
        from airflow.hooks.base import BaseHook

        conn = BaseHook.get_connection(conn_id)
        env["WV_DAILY_PG"] = (f"host={conn.host} port={conn.port or 5432} dbname={conn.schema} "
                              f"user={conn.login}")
        if conn.password:
            env["PGPASSWORD"] = conn.password  # libpq reads it; never on a command line
    return env


def step(name: str) -> str:
    """The command of one step: the script, the step, the day."""
    return f'"$WV_DAILY_SCRIPT" {name} {{{{ data_interval_start | ds }}}}'


def sla_missed(dag, task_list, blocking_task_list, slas, blocking_tis):
    log.error("wordviews: the 7am dashboard is late: %s (blocked by %s)", task_list,
              blocking_task_list)


default_args = {
    "owner": "wordviews",
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
    # By 07:00 UTC: the run starts at the interval's end (05:00) and the SLA counts from there.
    "sla": timedelta(hours=2),
}

with DAG(
    dag_id="wordviews_daily",
    description="Add the day's learning traces and publish the 7am dashboard",
    schedule="0 5 * * *",
    # The data's first day: backfills may reach back to it; catchup=False schedules only the
    # latest interval when the DAG is deployed.
    start_date=datetime(2013, 2, 28, 5, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,  # appends serialize anyway (the output's lock); keep the order of days
    default_args=default_args,
    sla_miss_callback=sla_missed,
    user_defined_macros={"wordviews_env": script_env},
    render_template_as_native_obj=True,
    tags=["wordviews"],
    doc_md=__doc__,
) as dag:
    # Rendered natively (render_template_as_native_obj): the macro's dict is the task's environment.
    env = "{{ wordviews_env() }}"
    wait = BashSensor(task_id="wait_for_traces", bash_command=step("wait"), env=env,
                      poke_interval=300, mode="reschedule", retries=0,
                      timeout=int(timedelta(hours=1, minutes=45).total_seconds()))
    run = BashOperator(task_id="run_append", bash_command=step("run"), env=env)
    check = BashOperator(task_id="check_fresh", bash_command=step("check"), env=env)
    load = BashOperator(task_id="load_warehouse", bash_command=step("load"), env=env)
    report = BashOperator(task_id="report", bash_command=step("report"), env=env)
    wait >> run >> check >> load >> report
