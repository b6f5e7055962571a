#!/usr/bin/env python3
"""ext_proc latency seen by a client independent of our Swift code: Python grpcio with Envoy's own messages
(PyPI envoy-data-plane, through Tests/ClassifierServerTests/python/extproc_client.py), against a running
`semroute classifier`. Sequential streams, as one Envoy worker would send them.

Usage (docs/benchmarks.md, "ext_proc end to end"):
  semroute render -f manifests/samples/mom.yaml -o json | python3 -c \
    'import json,sys; print(next(i for i in json.load(sys.stdin)["items"] if i["kind"]=="ConfigMap")["data"]["config.json"])' > /tmp/clf.json
  .build/release/semroute classifier --config /tmp/clf.json --grpc-port 50551 --http-port 8581 --metrics-port 9591 &
  python3 hack/bench-extproc-grpcio.py 127.0.0.1:50551 [--model other-model] [--streams 300]

The default model is not the route's, so the request passes through: what is measured is ext_proc itself.
The client half-closes but cancels each stream after its last answer (as run_stream does), so after about 200
streams on one connection the server's HTTP/2 rapid-reset protection answers GOAWAY (grpcio logs it; see
docs/classifier.md, "Known risk")."""
import argparse, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'Tests' / 'ClassifierServerTests' / 'python'))
import grpc  # noqa: E402
from envoy_data_plane.envoy.service.ext_proc.v3 import HttpBody, ProcessingRequest  # noqa: E402
from extproc_client import chat, headers, run_stream  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('target')
parser.add_argument('--model', default='other-model')
parser.add_argument('--streams', type=int, default=300)
parser.add_argument('--warmup', type=int, default=30)
args = parser.parse_args()

channel = grpc.insecure_channel(args.target)
request_headers = bytes(ProcessingRequest(request_headers=headers(
    [(':method', 'POST'), (':path', '/v1/chat/completions'), ('content-type', 'application/json')])))
request_body = bytes(ProcessingRequest(request_body=HttpBody(body=chat(args.model, 'What is the derivative of x^2?'),
                                                             end_of_stream=True)))


def measure(label, messages):
    for _ in range(args.warmup):
        run_stream(channel, messages)
    times = []
    for _ in range(args.streams):
        start = time.perf_counter()
        run_stream(channel, messages)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
    print(f'{label}: p50 {pick(0.5):.3f} ms  p99 {pick(0.99):.3f} ms  min {times[0]:.3f} ms  ({args.streams} streams)')


measure(f'headers + body, model {args.model}', [request_headers, request_body])
measure('headers only', [request_headers])
