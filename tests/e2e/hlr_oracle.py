"""An independent implementation of the spaced-repetition models of Settles & Meeder (ACL 2016),
written for the tests from the algorithm as the published experiment.py computes it
(shared/docs/HLR_REFERENCE.md): numpy for the data and the statistics, scipy for AUC and
Spearman, plain Python floats for the sequential SGD pass. `wordviews hlr` is compared with it
value by value; bench/hlr_bench.py times it too."""
import csv
import math

import numpy as np
import scipy.stats

MIN_P, MAX_P = 0.0001, 0.9999
MIN_H, MAX_H = 15.0 / (24 * 60), 274.0
LN2 = math.log(2.0)
LEARNING_RATE, HALFLIFE_WEIGHT, L2_WEIGHT = 0.001, 0.01, 0.1


def pclip(p):
    return min(max(p, MIN_P), MAX_P)


def hclip(h):
    return min(max(h, MIN_H), MAX_H)


def pow2(x):
    try:
        return 2.0 ** x
    except OverflowError:
        return math.inf


class Data:
    """The accepted rows of a traces CSV, in file order, as numpy arrays."""

    def __init__(self, path, skip_lines=()):
        skip = set(skip_lines)
        cols = {k: [] for k in ("p_recall", "delta", "timestamp", "seen", "correct", "user",
                                "learning", "ui", "lexeme")}
        with open(path, "rb") as f:
            header = f.readline()
            assert header.startswith(b"p_recall,timestamp,delta,user_id"), header
            for number, raw in enumerate(f, start=2):
                if number in skip:
                    continue
                line = raw.decode("utf-8").rstrip("\n").rstrip("\r")
                if not line:
                    continue
                (p, ts, delta, user, learning, ui, _lexeme_id, lexeme, seen, correct, _ss,
                 _sc) = next(csv.reader([line]))
                cols["p_recall"].append(float(p))
                cols["timestamp"].append(int(ts))
                cols["delta"].append(int(delta))
                cols["user"].append(user)
                cols["learning"].append(learning)
                cols["ui"].append(ui)
                cols["lexeme"].append(lexeme)
                cols["seen"].append(int(seen))
                cols["correct"].append(int(correct))
        self.n = len(cols["p_recall"])
        self.p_recall = np.array(cols["p_recall"], dtype=np.float64)
        self.timestamp = np.array(cols["timestamp"], dtype=np.int64)
        self.delta = np.array(cols["delta"], dtype=np.int64)
        self.right = np.array(cols["correct"], dtype=np.int64)
        self.wrong = np.array(cols["seen"], dtype=np.int64) - self.right
        self.user = cols["user"]
        self.learning = cols["learning"]
        self.ui = cols["ui"]
        self.lexeme = cols["lexeme"]
        self.key = [f"{lang}:{lex}" for lang, lex in zip(self.learning, self.lexeme)]
        # What a row's outcome is taken to be.
        self.p = np.clip(self.p_recall, MIN_P, MAX_P)
        self.t = self.delta / 86400.0
        self.h = np.array([hclip(-t / math.log(p, 2)) for p, t in zip(self.p, self.t)])
        self.split = int(0.9 * self.n)


class Model:
    """One model: method 'hlr', 'lr', 'leitner', 'pimsleur' or 'constant'."""

    def __init__(self, method, lexemes=True, bias=True, halflife_term=True):
        self.method, self.lexemes, self.bias, self.halflife_term = method, lexemes, bias, halflife_term
        self.w, self.count = {}, {}
        self.constant = None

    def features(self, d, i):
        fv = [("right", math.sqrt(1 + int(d.right[i]))), ("wrong", math.sqrt(1 + int(d.wrong[i])))]
        if self.method == "lr":
            fv.append(("time", float(d.t[i])))
        if self.bias:
            fv.append(("bias", 1.0))
        if self.lexemes:
            fv.append((d.key[i], 1.0))
        return fv

    def dot(self, fv):
        return sum(self.w.get(k, 0.0) * x for k, x in fv)

    def predict(self, d, i):
        """(p_hat, h_hat); h_hat is nan for lr and constant."""
        t = float(d.t[i])
        right, wrong = int(d.right[i]), int(d.wrong[i])
        if self.method == "constant":
            return self.constant, math.nan
        if self.method == "lr":
            return pclip(1.0 / (1.0 + math.exp(-self.dot(self.features(d, i))))), math.nan
        if self.method == "hlr":
            h = hclip(pow2(self.dot(self.features(d, i))))
        elif self.method == "leitner":
            h = hclip(pow2(right - wrong))
        else:
            h = hclip(pow2(2.35 * (right + wrong) - 16.46))
        return pclip(2.0 ** (-t / h)), h

    def train(self, d, order):
        """One SGD pass over the rows `order` (hlr, lr); the mean p for constant."""
        if self.method == "constant":
            self.constant = float(sum(float(p) for p in d.p[:d.split])) / d.split
            return
        if self.method not in ("hlr", "lr"):
            return
        for i in order:
            p, t, h = float(d.p[i]), float(d.t[i]), float(d.h[i])
            fv = self.features(d, i)
            pp, hh = self.predict(d, i)
            if self.method == "hlr":
                # Both gradients before any weight changes.
                dlp = 2.0 * (pp - p) * LN2 ** 2 * pp * (t / hh)
                dlh = 2.0 * (hh - h) * LN2 * hh
            for k, x in fv:
                n = self.count.get(k, 0)
                wk = self.w.get(k, 0.0)
                if self.method == "hlr":
                    rate = (1.0 / (1 + p)) * LEARNING_RATE / math.sqrt(1 + n)
                    wk -= rate * dlp * x
                    if self.halflife_term:
                        wk -= rate * HALFLIFE_WEIGHT * dlh * x
                else:
                    rate = LEARNING_RATE / math.sqrt(1 + n)
                    wk -= rate * (pp - p) * x
                wk -= rate * L2_WEIGHT * wk  # the L2 step uses the weight just updated
                self.w[k] = wk
                self.count[k] = n + 1


def fit(d, method, lexemes=True, bias=True, halflife_term=True, order=None):
    m = Model(method, lexemes, bias, halflife_term)
    m.train(d, range(d.split) if order is None else order)
    return m


def evaluate(d, m):
    """The test-split metrics, named as `wordviews hlr --format json` names them."""
    idx = range(d.split, d.n)
    preds = [m.predict(d, i) for i in idx]
    pp = np.array([a for a, _ in preds])
    hh = np.array([b for _, b in preds])
    p, h = d.p[d.split:], d.h[d.split:]
    out = {"mae_p": float(np.mean(np.abs(p - pp)))}
    out["script_cor_p"] = script_spearmanr(p, pp)
    # R's round() of p is half to even: 0.5 -> 0.
    label = np.round(p) > 0.5
    if m.method != "constant" and label.any() and (~label).any():
        u = scipy.stats.mannwhitneyu(pp[label], pp[~label]).statistic
        out["auc"] = float(u / (label.sum() * (~label).sum()))
    else:
        out["auc"] = None
    if m.method in ("hlr", "leitner", "pimsleur"):
        out["cor_h"] = float(scipy.stats.spearmanr(h, hh).statistic)
        out["mae_h"] = float(np.mean(np.abs(h - hh)))
        out["script_cor_h"] = script_spearmanr(h, hh)
    else:
        out["cor_h"] = out["mae_h"] = out["script_cor_h"] = None
    return out, pp, hh


def script_spearmanr(a, b):
    """What experiment.py calls spearmanr: Pearson's r of the raw values, two-pass."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    da, db = a - a.mean(), b - b.mean()
    den = math.sqrt(float(np.sum(da * da)) * float(np.sum(db * db)))
    return float(np.sum(da * db)) / den if den > 0 else None


def half_lives(d, m):
    """Median predicted half-life, mean p_recall and mean p_hat over every row, per pair and per
    interface language, as rows {group, learning_language, ui_language, ...}."""
    preds = [m.predict(d, i) for i in range(d.n)]
    pp = np.array([a for a, _ in preds])
    hh = np.array([b for _, b in preds])
    rows = []
    pairs = sorted(set(zip(d.learning, d.ui)))
    for learning, ui in pairs:
        sel = np.array([a == learning and b == ui for a, b in zip(d.learning, d.ui)])
        rows.append(("pair", learning, ui, int(sel.sum()), float(np.median(hh[sel])),
                     float(d.p_recall[sel].mean()), float(pp[sel].mean())))
    for ui in sorted(set(d.ui)):
        sel = np.array([b == ui for b in d.ui])
        rows.append(("ui", "", ui, int(sel.sum()), float(np.median(hh[sel])),
                     float(d.p_recall[sel].mean()), float(pp[sel].mean())))
    return rows
