#!/usr/bin/env python3
"""A fixture exporter that serves metrics shaped like Envoy AI Gateway's (v1.1: the request duration read in its source, the token and streaming histograms per its metrics documentation): the
histograms gen_ai_server_request_duration_seconds, gen_ai_client_token_usage (gen_ai_token_type input/output),
gen_ai_server_time_to_first_token_seconds and gen_ai_server_time_per_output_token_seconds, with gen_ai_operation_name, gen_ai_provider_name,
gen_ai_original_model (the model the request asked for: after semroute's classifier, the decision's alias),
gen_ai_request_model (the backend's model override) and gen_ai_response_model, and error_type="_OTHER" on failed
requests (whose response model is "unknown"). Counters grow at a fixed rate from the exporter's start, so any
window has data. Test support for the rollout analysis (a real Prometheus scrapes this).

usage: aigw-fixture-exporter.py --port-file FILE --series JSON
  JSON: [{"original": "e2e.default", "model": "Qwen/Qwen3-8B", "rps": 10, "errors": 0.0, "seconds": 1.0,
          "input_tokens": 200, "output_tokens": 100, "ttft": 0.3, "tpot": 0.02}, ...]  (the last four optional)
"""
import argparse
import http.server
import json
import math
import os
import time

BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10]
TOKEN_BUCKETS = [1, 16, 64, 256, 1024, 4096]


def labels(series, error):
    pairs = [
        ("gen_ai_operation_name", "chat"),
        ("gen_ai_original_model", series["original"]),
        ("gen_ai_provider_name", "openai"),
        ("gen_ai_request_model", series["model"]),
        ("gen_ai_response_model", "unknown" if error else series["model"]),
    ]
    if error:
        pairs.append(("error_type", "_OTHER"))
    return pairs


def histogram(out, name, help_text, rows, buckets):
    """rows: (labels, count, value per observation); one histogram family in the text format."""
    out += [f"# HELP {name} {help_text}", f"# TYPE {name} histogram"]
    for base, count, value in rows:
        for le in buckets:
            ls = ",".join(f'{k}="{v}"' for k, v in base + [("le", str(le))])
            out.append(f"{name}_bucket{{{ls}}} {count if value <= le else 0}")
        ls = ",".join(f'{k}="{v}"' for k, v in base)
        out.append(f'{name}_bucket{{{ls},le="+Inf"}} {count}')
        out.append(f"{name}_sum{{{ls}}} {count * value}")
        out.append(f"{name}_count{{{ls}}} {count}")


def render(all_series, elapsed):
    out = []
    durations, tokens, ttft, tpot = [], [], [], []
    for s in all_series:
        total = s["rps"] * elapsed
        failed = math.floor(total * s.get("errors", 0.0))
        ok = math.floor(total) - failed
        durations.append((labels(s, False), ok, s["seconds"]))
        if failed or s.get("errors", 0.0) > 0:
            durations.append((labels(s, True), failed, 0.05))
        # Token usage, time to first token and time per output token: successful requests only, as AI Gateway
        # records them (token type input/output).
        for kind, default in (("input", 200), ("output", 100)):
            tokens.append((labels(s, False) + [("gen_ai_token_type", kind)], ok, s.get(f"{kind}_tokens", default)))
        ttft.append((labels(s, False), ok, s.get("ttft", 0.3)))
        tpot.append((labels(s, False), ok, s.get("tpot", 0.02)))
    histogram(out, "gen_ai_server_request_duration_seconds", "Time spent processing the request.", durations, BUCKETS)
    histogram(out, "gen_ai_client_token_usage", "Number of tokens processed.", tokens, TOKEN_BUCKETS)
    histogram(out, "gen_ai_server_time_to_first_token_seconds", "Time to receive the first token in streaming responses.",
              ttft, BUCKETS)
    histogram(out, "gen_ai_server_time_per_output_token_seconds", "Time between output tokens in streaming responses.",
              tpot, [0.01, 0.025, 0.05, 0.1, 0.25])
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--series", required=True)
    args = parser.parse_args()
    series = json.loads(args.series)
    start = time.monotonic()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/metrics":
                self.send_error(404)
                return
            body = render(series, time.monotonic() - start).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
