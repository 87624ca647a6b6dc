"""The benchmark's pure-Python peer of `wordviews hlr`: half-life regression written to the
reference algorithm (shared/docs/HLR_REFERENCE.md; the reference itself is Python 2) the way the
reference works: csv.DictReader, one object per row with its feature list, dictionaries of weights,
an in-place shuffle, one SGD pass, then the test-split metrics. Standard library only.

usage: python3 bench/hlr_pure_python.py TRACES.csv [SEED]
Prints one JSON line: rows, seconds (read, train, evaluate) and the metrics."""
import csv
import json
import math
import random
import sys
import time

MIN_H, MAX_H = 15.0 / (24 * 60), 274.0
LN2 = math.log(2.0)


class Row:
    __slots__ = ("p", "t", "h", "fv")

    def __init__(self, p, t, h, fv):
        self.p, self.t, self.h, self.fv = p, t, h, fv


def read(path):
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            p = min(max(float(r["p_recall"]), 0.0001), 0.9999)
            t = float(r["delta"]) / 86400
            h = min(max(-t / math.log(p, 2), MIN_H), MAX_H)
            right = int(r["history_correct"])
            wrong = int(r["history_seen"]) - right
            fv = [("right", math.sqrt(1 + right)), ("wrong", math.sqrt(1 + wrong)), ("bias", 1.0),
                  (r["learning_language"] + ":" + r["lexeme_string"], 1.0)]
            rows.append(Row(p, t, h, fv))
    split = int(0.9 * len(rows))
    return rows[:split], rows[split:]


def predict(w, row):
    try:
        h = min(max(2.0 ** sum(w.get(k, 0.0) * x for k, x in row.fv), MIN_H), MAX_H)
    except OverflowError:
        h = MAX_H
    return min(max(2.0 ** (-row.t / h), 0.0001), 0.9999), h


def train(rows, seed):
    w, n = {}, {}
    random.Random(seed).shuffle(rows)
    for row in rows:
        p, h = predict(w, row)
        dlp = 2.0 * (p - row.p) * LN2 ** 2 * p * (row.t / h)
        dlh = 2.0 * (h - row.h) * LN2 * h
        for k, x in row.fv:
            rate = (1.0 / (1 + row.p)) * 0.001 / math.sqrt(1 + n.get(k, 0))
            wk = w.get(k, 0.0) - rate * dlp * x
            wk -= rate * 0.01 * dlh * x
            wk -= rate * 0.1 * wk
            w[k] = wk
            n[k] = n.get(k, 0) + 1
    return w


def pearson(a, b):
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    num = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    den = math.sqrt(sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b))
    return num / den


def evaluate(w, rows):
    preds = [predict(w, r) for r in rows]
    p = [r.p for r in rows]
    h = [r.h for r in rows]
    pp = [a for a, _ in preds]
    hh = [b for _, b in preds]
    return {"mae_p": sum(abs(x - y) for x, y in zip(p, pp)) / len(p),
            "script_cor_p": pearson(p, pp), "script_cor_h": pearson(h, hh)}


def main():
    path = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    t0 = time.perf_counter()
    train_rows, test_rows = read(path)
    t1 = time.perf_counter()
    w = train(train_rows, seed)
    t2 = time.perf_counter()
    metrics = evaluate(w, test_rows)
    t3 = time.perf_counter()
    print(json.dumps({"rows": len(train_rows) + len(test_rows), "read_seconds": t1 - t0,
                      "train_seconds": t2 - t1, "evaluate_seconds": t3 - t2, **metrics}))


if __name__ == "__main__":
    main()
