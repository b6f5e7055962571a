#!/usr/bin/env python3
"""ext_proc latency as a light client sees it: raw HTTP/2 frames (PyPI h2) carrying Envoy's own messages
(PyPI envoy-data-plane), against a running `semroute classifier`. Sequential streams, as one Envoy worker
sends them: request headers, wait for the answer, request body, wait for the answer and the status.

Nothing here shares code with the Swift server, and the client does little work per stream (no gRPC
library, no threads), so what is timed is mostly the server. A grpcio client is not usable for this: it
spends 1.5-2 ms of its own per bidirectional stream (a grpcio Python server measured slower than ours with
it), which is why docs/benchmarks.md no longer uses one.

Usage (docs/benchmarks.md, "ext_proc end to end"):
  python3 -m pip install h2==4.4.1 envoy-data-plane==2.2.0
  semroute render -f manifests/samples/keyword-only.yaml -o json | python3 -c \\
    'import json,sys; print(next(i for i in json.load(sys.stdin)["items"] if i["kind"]=="ConfigMap")["data"]["config.json"])' > /tmp/kw.json
  .build/release/semroute classifier --config /tmp/kw.json --grpc-port 50551 --http-port 8581 --metrics-port 9591 &
  python3 hack/bench-extproc-h2.py 127.0.0.1:50551 --model helpdesk --prompt 'Why is my postgres GROUP BY slow?'

With the default --model (not the route's) the request passes through: what is timed is ext_proc alone.

--h2load N also times N streams with nghttp2's h2load (Debian `nghttp2-client`), a C client: it sends both
messages and the half-close at once instead of waiting for each answer (so one loopback round trip less
than Envoy), and its per-request log gives the percentiles.
"""
import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h2.config
import h2.connection
import h2.events

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'Tests' / 'ClassifierServerTests' / 'python'))
from envoy_data_plane.envoy.service.ext_proc.v3 import HttpBody, ProcessingRequest, ProcessingResponse  # noqa: E402
from extproc_client import chat, headers  # noqa: E402

METHOD = '/envoy.service.ext_proc.v3.ExternalProcessor/Process'


def grpc_frame(message):
    data = message if isinstance(message, bytes) else bytes(message)
    return b'\0' + len(data).to_bytes(4, 'big') + data


class Connection:
    """One HTTP/2 connection (TCP_NODELAY, as Envoy's), one stream at a time."""

    def __init__(self, host, port):
        self.authority = f'{host}:{port}'
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding='utf-8'))
        self.h2.initiate_connection()
        self.flush()

    def flush(self):
        out = self.h2.data_to_send()
        if out:
            self.sock.sendall(out)

    def read_until(self, stream, messages):
        """Reads frames until `messages` gRPC messages arrived on `stream` (None: until the stream ends);
        returns the messages' payloads and the trailers once seen."""
        buffer, payloads, trailers = self.pending.get(stream, b''), [], None
        while True:
            while len(buffer) >= 5 and len(buffer) >= 5 + int.from_bytes(buffer[1:5], 'big'):
                size = int.from_bytes(buffer[1:5], 'big')
                payloads.append(buffer[5:5 + size])
                buffer = buffer[5 + size:]
            if messages is not None and len(payloads) >= messages:
                self.pending[stream] = buffer
                return payloads, trailers
            if trailers is not None:
                return payloads, trailers
            for event in self.h2.receive_data(self.sock.recv(65536)):
                if isinstance(event, h2.events.DataReceived) and event.stream_id == stream:
                    buffer += event.data
                    self.h2.acknowledge_received_data(event.flow_controlled_length, stream)
                elif isinstance(event, h2.events.TrailersReceived) and event.stream_id == stream:
                    trailers = dict(event.headers)
                elif isinstance(event, h2.events.StreamReset) and event.stream_id == stream:
                    raise RuntimeError(f'stream reset by the server: error code {event.error_code}')
            self.flush()

    def stream(self, messages):
        """One ext_proc stream: each message after the previous one was answered, then half-close and the
        status. Returns the answers' payloads (parsing them in Python costs more than the server's answer)."""
        self.pending = {}
        stream = self.h2.get_next_available_stream_id()
        self.h2.send_headers(stream, [(':method', 'POST'), (':scheme', 'http'), (':path', METHOD),
                                      (':authority', self.authority), ('content-type', 'application/grpc'),
                                      ('te', 'trailers')])
        answers = []
        for index, message in enumerate(messages):
            last = index == len(messages) - 1
            self.h2.send_data(stream, grpc_frame(message), end_stream=last)
            self.flush()
            payloads, trailers = self.read_until(stream, 1 if not last else None)
            answers += payloads
            if trailers is not None and trailers.get('grpc-status', '0') != '0':
                raise RuntimeError(f'gRPC status {trailers.get("grpc-status")}: {trailers.get("grpc-message")}')
        return answers


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('target', help='HOST:PORT of the classifier gRPC server')
    parser.add_argument('--model', default='other-model', help='model in the chat body (default: not the route\'s)')
    parser.add_argument('--prompt', default='What is the derivative of x^2?')
    parser.add_argument('--streams', type=int, default=1000)
    parser.add_argument('--warmup', type=int, default=100)
    parser.add_argument('--h2load', type=int, default=0, metavar='N', help='also time N streams with h2load')
    args = parser.parse_args()
    host, port = args.target.rsplit(':', 1)
    connection = Connection(host, int(port))

    request_headers = ProcessingRequest(request_headers=headers(
        [(':method', 'POST'), (':path', '/v1/chat/completions'), ('content-type', 'application/json')]))
    request_body = ProcessingRequest(request_body=HttpBody(body=chat(args.model, args.prompt), end_of_stream=True))

    answers = [ProcessingResponse.parse(p) for p in connection.stream([request_headers, request_body])]
    mutation = answers[-1].request_body.response.body_mutation if answers[-1].request_body else None
    model = json.loads(mutation.body)['model'] if mutation and mutation.body else '(passed through)'
    print(f'answer to model {args.model}: {model}')

    def measure(label, messages):
        for _ in range(args.warmup):
            connection.stream(messages)
        times = []
        for _ in range(args.streams):
            start = time.perf_counter()
            connection.stream(messages)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
        print(f'{label}: p50 {pick(0.5):.3f} ms  p99 {pick(0.99):.3f} ms  min {times[0]:.3f} ms  ({args.streams} streams)')

    measure('headers + body', [bytes(request_headers), bytes(request_body)])
    measure('headers only', [bytes(request_headers)])
    if args.h2load:
        h2load(args, grpc_frame(request_headers) + grpc_frame(request_body))


def h2load(args, payload):
    """Sequential streams (one connection, one stream at a time) from h2load; the first 10% are warm-up."""
    with tempfile.TemporaryDirectory() as folder:
        data, log = Path(folder) / 'streams.grpc', Path(folder) / 'requests.log'
        data.write_bytes(payload)
        subprocess.run(['h2load', '-n', str(args.h2load), '-c', '1', '-m', '1', '-d', str(data), f'--log-file={log}',
                        '-H', 'content-type: application/grpc', '-H', 'te: trailers',
                        f'http://{args.target}{METHOD}'], check=True, capture_output=True)
        lines = [line.split() for line in log.read_text().splitlines()]
    failed = [line for line in lines if line[1] != '200']
    if failed:
        raise RuntimeError(f'h2load: {len(failed)} streams without HTTP 200')
    micros = sorted(int(line[2]) for line in lines[len(lines) // 10:])
    pick = lambda q: micros[min(len(micros) - 1, int(q * len(micros)))] / 1000  # noqa: E731
    print(f'h2load, headers + body sent at once: p50 {pick(0.5):.3f} ms  p99 {pick(0.99):.3f} ms  '
          f'min {micros[0] / 1000:.3f} ms  ({len(micros)} streams)')


if __name__ == '__main__':
    main()
