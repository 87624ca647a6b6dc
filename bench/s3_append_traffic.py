"""What `run --append --out s3://` moves: seven generated days of 300,000 rows appended one by one to a
versitygw on loopback (tests/e2e/s3_server.py) and, as the peer, to a local DIR. Prints per append the
summary's `s3 traffic` line and both wall times (single runs: indicative, not a farm-bench timing).
Usage: .venv/bin/python bench/s3_append_traffic.py [BINARY]  (from the repository root; BINARY defaults to
build/bin/wordviews; work files in $WV_BENCH_DIR, default /tmp/s3app-fig, emptied of earlier outputs first)
"""
import os, shutil, subprocess, sys, time, pathlib, re
sys.path.insert(0, "tests/e2e")
from s3_server import S3Server, versitygw_path
root = pathlib.Path(os.environ.get("WV_BENCH_DIR", "/tmp/s3app-fig"))
root.mkdir(exist_ok=True)
for old in ("data", "local"):
    shutil.rmtree(root / old, ignore_errors=True)
wv = sys.argv[1] if len(sys.argv) > 1 else "build/bin/wordviews"
days = []
for d in range(7):
    p = root / f"day{d}.csv"
    if not p.exists():
        subprocess.run([wv, "generate", "--rows", "300000", "--seed", str(100 + d), "--days", "1",
                        "--start", f"2013-03-0{d+1}", "--out", str(p), "--quiet"], check=True)
    days.append(p)
srv = S3Server(versitygw_path(), root / "data", root / "gw.log").start()
try:
    srv.client().create_bucket(Bucket="wv-fig")
    env = srv.wordviews_env(home=root)
    for i, p in enumerate(days):
        t = time.monotonic()
        r = subprocess.run([wv, "run", "--traces", p, "--out", "s3://wv-fig/out", "--append", "--threads", "2"],
                           env=env, capture_output=True, text=True)
        s3 = s3l = re.search(r"s3 traffic: .*", r.stdout)
        print(i, r.returncode, f"{time.monotonic()-t:.2f}s", (s3.group(0) if s3 else r.stdout[-800:]), flush=True)
        t = time.monotonic()
        r = subprocess.run([wv, "run", "--traces", p, "--out", str(root / "local"), "--append", "--threads", "2", "--quiet"], capture_output=True, text=True)
        print("  local append", r.returncode, f"{time.monotonic()-t:.2f}s", flush=True)
    print(subprocess.run(["du", "-sh", str(root / "local")], capture_output=True, text=True).stdout)
finally:
    srv.stop()
