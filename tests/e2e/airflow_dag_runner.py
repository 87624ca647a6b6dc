"""Run by tests/e2e/test_deploy.py with the Airflow venv's interpreter (not pytest's):
parses deploy/airflow with Airflow's own DagBag and, with `test DATE`, runs the DAG once
with dag.test() (in-process, the SQLite metadata database of $AIRFLOW_HOME). Prints one
JSON object on its last line: the import errors, the tasks and their settings, and
after a run the state of the run and of every task instance."""
import json
import sys
from datetime import datetime, timezone

from airflow.models import DagBag


def describe(dag):
    return {t.task_id: {"type": type(t).__name__, "upstream": sorted(t.upstream_task_ids),
                        "retries": t.retries, "sla_seconds": t.sla.total_seconds() if t.sla else None,
                        "bash_command": getattr(t, "bash_command", None),
                        "mode": getattr(t, "mode", None)}
            for t in dag.tasks}


def main():
    folder = sys.argv[1]
    bag = DagBag(dag_folder=folder, include_examples=False)
    result = {"import_errors": {k: str(v) for k, v in bag.import_errors.items()},
              "dag_ids": sorted(bag.dag_ids)}
    dag = bag.get_dag("wordviews_daily")
    if dag is not None:
        result["schedule"] = str(dag.schedule_interval)
        result["catchup"] = dag.catchup
        result["sla_miss_callback"] = dag.sla_miss_callback is not None
        result["tasks"] = describe(dag)
    if len(sys.argv) > 3 and sys.argv[2] == "test" and dag is not None:
        logical = datetime.fromisoformat(sys.argv[3]).replace(tzinfo=timezone.utc)
        # A failed task fails the test now: dag.test() would otherwise sleep through the
        # DAG's retry delays (2 x 10 min) before giving up. The retries themselves are
        # checked from the parsed DAG (describe) before this.
        for task in dag.tasks:
            task.retries = 0
        run = dag.test(execution_date=logical)
        from airflow.models import DagRun, TaskInstance
        from airflow.utils.session import create_session

        # Read back from the metadata database: every task of the DAG must have run (a run
        # whose tasks were all skipped for their start_date would be "success" with none).
        with create_session() as session:
            tis = session.query(TaskInstance).filter(TaskInstance.dag_id == dag.dag_id,
                                                     TaskInstance.run_id == run.run_id).all()
            result["task_states"] = {ti.task_id: str(ti.state) for ti in tis}
            result["run_state"] = str(session.query(DagRun).filter(DagRun.run_id == run.run_id)
                                      .one().state)
        result["interval_start"] = run.data_interval_start.isoformat()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
