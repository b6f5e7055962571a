#!/usr/bin/env python3
"""An OTLP/gRPC trace receiver for tests and `semroute-bench tracing`, built on the OpenTelemetry project's own message definitions (PyPI
`opentelemetry-proto`) over grpcio: nothing here shares code with swift-otel or the project.

Usage: otlp_receiver.py PORT
Serves opentelemetry.proto.collector.trace.v1.TraceService/Export on 127.0.0.1:PORT and prints one JSON line
per received span (flushed): trace_id, span_id, parent_span_id (hex), name, kind, service (resource
service.name), resource (attributes), attributes, start/end (unix ns), status code. Prints `listening PORT` first.
"""
import json
import sys
import threading
from concurrent import futures

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

lock = threading.Lock()


def value(v):
    kind = v.WhichOneof("value")
    if kind is None:
        return None
    if kind in ("array_value", "kvlist_value", "bytes_value"):
        return str(getattr(v, kind))
    return getattr(v, kind)


def attributes(kvs):
    return {kv.key: value(kv.value) for kv in kvs}


class Receiver(trace_service_pb2_grpc.TraceServiceServicer):
    def Export(self, request, context):
        lines = []
        for resource_spans in request.resource_spans:
            resource = attributes(resource_spans.resource.attributes)
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    lines.append(json.dumps({
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex(),
                        "name": span.name,
                        "kind": span.kind,
                        "service": resource.get("service.name"),
                        "resource": resource,
                        "attributes": attributes(span.attributes),
                        "start": span.start_time_unix_nano,
                        "end": span.end_time_unix_nano,
                        "status": span.status.code,
                    }, sort_keys=True))
        with lock:
            for line in lines:
                print(line)
            sys.stdout.flush()
        return trace_service_pb2.ExportTraceServiceResponse()


def main():
    port = int(sys.argv[1])
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Receiver(), server)
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    print(f"listening {bound}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
