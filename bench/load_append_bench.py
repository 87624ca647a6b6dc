"""`wordviews load --append` of one day onto a 13-day warehouse vs a full load of the 14 days.

usage: load_append_bench.py WORDVIEWS DIR REPEAT   (DIR holds history/, the 13-day output, and
day-13.csv, the 14th day)

Each round: DIR/history copied to DIR/appended and loaded whole (not timed: the warehouse before
the day); `run --append` of day 13 onto DIR/appended (not timed); then, timed, `load --append`
(the day's batch) and `load --force` of the same 14-day output (the full load it replaces), on the
same server (bench/load_bench.py's settings), one after the other.
"""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load_bench import SETTINGS, timed_load  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from postgres_server import PostgresServer  # noqa: E402


def main():
    wv, work, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
    history, appended = os.path.join(work, "history"), os.path.join(work, "appended")
    server = PostgresServer(SETTINGS)
    try:
        db = server.create_database("bench")
        conninfo = server.conninfo(dbname=db)
        print("| round | load avg | load --append of day 14 (s) | full load of 14 days (s) | ratio |")
        print("| --- | --- | --- | --- | --- |")
        for r in range(repeat):
            shutil.rmtree(appended, ignore_errors=True)
            shutil.copytree(history, appended, symlinks=True)
            timed_load(wv, appended, conninfo, "--force")
            subprocess.run([wv, "run", "--traces", os.path.join(work, "day-13.csv"), "--out",
                            appended, "--append", "--quiet"], check=True)
            start = time.monotonic()
            proc = subprocess.run([wv, "load", appended, "--append", "--postgres", conninfo],
                                  capture_output=True, text=True, check=True)
            inc = time.monotonic() - start
            assert "appended 1 batch" in proc.stdout, proc.stdout + proc.stderr
            full, phases = timed_load(wv, appended, conninfo, "--force")
            print(f"| {r + 1} | {os.getloadavg()[0]:.1f} | {inc:.1f} | {full:.1f} | "
                  f"{inc / full:.2f} |", flush=True)
            print(f"\nappend: {proc.stdout.strip().splitlines()[-1].strip()}\nfull: {phases}\n")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
