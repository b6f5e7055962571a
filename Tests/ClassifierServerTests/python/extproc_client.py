#!/usr/bin/env python3
"""Plays Envoy's side of ext_proc against a running `semroute classifier`, using Envoy's own message
definitions (PyPI `envoy-data-plane`, betterproto2) over a plain grpcio channel: nothing here shares code
with the Swift server or its generated messages.

Usage: extproc_client.py HOST:PORT
Expects the keyword-only test route: virtual model `MoM`, decision `math` (keywords integral/derivative,
alias `llm-mom.math`), PII Block. Prints one line per scenario and exits non-zero on the first mismatch.
"""
import json
import queue
import sys

import grpc
from envoy_data_plane.envoy.config.core.v3 import HeaderMap, HeaderValue
from envoy_data_plane.envoy.service.ext_proc.v3 import (
    HttpBody,
    HttpHeaders,
    ProcessingRequest,
    ProcessingResponse,
)

METHOD = "/envoy.service.ext_proc.v3.ExternalProcessor/Process"


def headers(pairs, end_of_stream=False):
    # Envoy sends header values as raw bytes.
    values = [HeaderValue(key=k, raw_value=v.encode()) for k, v in pairs]
    return HttpHeaders(headers=HeaderMap(headers=values), end_of_stream=end_of_stream)


def chat(model, text):
    return json.dumps({"model": model, "messages": [{"role": "user", "content": text}]}).encode()


def run_stream(channel, messages):
    """One HTTP request: sends each phase only after the previous one was answered, as Envoy does, and
    stops after an immediate response."""
    call = channel.stream_stream(
        METHOD,
        request_serializer=bytes,
        response_deserializer=ProcessingResponse.parse,
    )
    outbox = queue.Queue()
    done = object()

    def requests():
        while (message := outbox.get()) is not done:
            yield message

    outbox.put(messages[0])
    answers = []
    for answer in call(requests(), timeout=30):
        answers.append(answer)
        if which(answer) == "immediate_response" or len(answers) == len(messages):
            break
        outbox.put(messages[len(answers)])
    outbox.put(done)
    return answers


def which(answer):
    for field in ("request_headers", "request_body", "response_headers", "response_body", "immediate_response"):
        if getattr(answer, field, None) is not None:
            return field
    return None


def check(condition, message):
    if not condition:
        print("FAIL:", message)
        sys.exit(1)
    print("ok:", message)


def main():
    target = sys.argv[1]
    with grpc.insecure_channel(target) as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        request_headers = ProcessingRequest(request_headers=headers([
            (":method", "POST"), (":path", "/v1/chat/completions"), ("content-type", "application/json")]))

        # 1. Our model: the body is rewritten to the decision alias.
        body = chat("MoM", "What is the derivative of x^3?")
        answers = run_stream(channel, [request_headers, ProcessingRequest(request_body=HttpBody(body=body, end_of_stream=True))])
        check([which(a) for a in answers] == ["request_headers", "request_body"], "answers each phase in order")
        common = answers[1].request_body.response
        new_body = common.body_mutation.body
        check(json.loads(new_body)["model"] == "llm-mom.math", "rewrites model to the decision alias")
        set_headers = {h.header.key: (h.header.raw_value or h.header.value.encode()).decode()
                       for h in common.header_mutation.set_headers}
        check(set_headers.get("x-semroute-decision") == "math", "sets x-semroute-decision")
        check(set_headers.get("content-length") == str(len(new_body)), "content-length matches the new body")
        check(common.clear_route_cache is True, "clears the route cache")

        # 2. Another model: untouched.
        answers = run_stream(channel, [request_headers, ProcessingRequest(request_body=HttpBody(body=chat("gpt-4o", "an integral"), end_of_stream=True))])
        common = answers[1].request_body.response
        check(common.body_mutation is None and common.header_mutation is None, "passes other models through")

        # 3. PII: blocked with 403.
        answers = run_stream(channel, [request_headers, ProcessingRequest(request_body=HttpBody(
            body=chat("MoM", "card 4111 1111 1111 1111, integral please"), end_of_stream=True))])
        check(which(answers[-1]) == "immediate_response", "blocks PII with an immediate response")
        reply = answers[-1].immediate_response
        check(int(reply.status.code) == 403, "the block is a 403")
        check(json.loads(reply.body)["error"]["code"] == "pii_detected", "OpenAI-style error body")
    print("all scenarios passed")


if __name__ == "__main__":
    main()
