"""The benchmark's numpy peer of `wordviews hlr`: the tests' independent implementation
(tests/e2e/hlr_oracle.py) timed on a file, with shuffling (seeded) as `wordviews hlr` does by default.

usage: python3 bench/hlr_numpy.py TRACES.csv [SEED]
Prints one JSON line: rows, seconds (read, train, evaluate) and the metrics."""
import json
import pathlib
import random
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "e2e"))
import hlr_oracle as oracle  # noqa: E402


def main():
    path = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    t0 = time.perf_counter()
    d = oracle.Data(path)
    t1 = time.perf_counter()
    order = list(range(d.split))
    random.Random(seed).shuffle(order)
    m = oracle.fit(d, "hlr", order=order)
    t2 = time.perf_counter()
    metrics, _, _ = oracle.evaluate(d, m)
    t3 = time.perf_counter()
    print(json.dumps({"rows": d.n, "read_seconds": t1 - t0, "train_seconds": t2 - t1,
                      "evaluate_seconds": t3 - t2, **metrics}))


if __name__ == "__main__":
    main()
