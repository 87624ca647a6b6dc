"""S3 in and S3 out on a loopback versitygw against local disk in and out: the same `wordviews run` on
the same file, in the same session. Prints the times, their ratio, the bytes moved, and the requests and
retries of an S3 run counted by a pass-through proxy (a separate run: the proxy's own cost stays out of the
timed ones). Usage: s3_bench.py WORDVIEWS TRACES.csv.gz WORKDIR [REPEATS]"""
import collections
import json
import pathlib
import shutil
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from s3_fault_proxy import FaultProxy  # noqa: E402
from s3_server import S3Server, versitygw_path  # noqa: E402


def timed(cmd, env):
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr}")
    return time.monotonic() - start


def main():
    wv, traces, work = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    server = S3Server(versitygw_path(), work / "s3data", work / "versitygw.log").start()
    try:
        s3 = server.client(attempts=3)
        s3.create_bucket(Bucket="bench")
        s3.upload_file(str(traces), "bench", "in/traces.csv.gz")
        env = server.wordviews_env(home=work)
        local_out = work / "local-out"
        local = [f"{wv}", "run", "--traces", str(traces), "--out", str(local_out), "--quiet"]
        remote = [f"{wv}", "run", "--traces", "s3://bench/in/traces.csv.gz", "--out", "s3://bench/out",
                  "--quiet", "--s3-grace", "0"]
        times = collections.defaultdict(list)
        for _ in range(repeats):  # alternated, so that both see the same machine
            times["local"].append(timed(local, env))
            times["s3"].append(timed(remote, env))
        manifest = json.loads((local_out / "_manifest.json").read_text())
        out_bytes = sum(f["bytes"] for t in manifest["tables"].values() for f in t["files"])

        with FaultProxy("127.0.0.1", server.port) as proxy:
            timed(remote, server.wordviews_env(endpoint=proxy.endpoint, home=work))
            log = proxy.log()
        seen = collections.Counter((r.method, r.key, tuple(r.query.get("partNumber", [])),
                                    tuple(r.query.get("uploads", []))) for r in log)
        retries = sum(n - 1 for (method, _, part, _), n in seen.items() if method == "PUT" and n > 1)
        by_kind = collections.Counter(
            "GET" if r.method == "GET" else "UploadPart" if "partNumber" in r.query else
            "CreateMultipartUpload" if "uploads" in r.query else
            "CompleteMultipartUpload" if r.method == "POST" and "uploadId" in r.query else r.method
            for r in log)
        best_local, best_s3 = min(times["local"]), min(times["s3"])
        print(f"rows file: {traces} ({traces.stat().st_size / 1e6:.1f} MB gzip)")
        print(f"local disk in+out: best {best_local:.2f} s of {repeats} ({', '.join(f'{t:.2f}' for t in times['local'])})")
        print(f"S3 in+out (versitygw, loopback): best {best_s3:.2f} s of {repeats} "
              f"({', '.join(f'{t:.2f}' for t in times['s3'])})")
        print(f"ratio S3/local: {best_s3 / best_local:.2f}x (goal <= 1.3x)")
        print(f"bytes moved per S3 run: {traces.stat().st_size / 1e6:.1f} MB read, {out_bytes / 1e6:.1f} MB written")
        print(f"requests of one S3 run: {len(log)} ({', '.join(f'{k} {v}' for k, v in sorted(by_kind.items()))}); "
              f"retries: {retries}")
    finally:
        server.stop()
        shutil.rmtree(work / "s3data", ignore_errors=True)


if __name__ == "__main__":
    main()
