#!/usr/bin/env python3
"""Plays Envoy's side of ext_proc against a running `semroute classifier`, using Envoy's own message
definitions (PyPI `envoy-data-plane`, betterproto2) over a plain grpcio channel: nothing here shares code
with the Swift server or its generated messages.

Usage:
  extproc_client.py HOST:PORT
      Expects the keyword-only test route: virtual model `MoM`, decision `math` (keywords integral/derivative,
      alias `llm-mom.math`), PII Block.
  extproc_client.py phases HOST:PORT FILTER_JSON MODEL PROMPT CACHE
      Plays the rendered ext_proc filter (FILTER_JSON: its typed_config with `processing_mode` and
      `allow_mode_override`) the way Envoy does, for a route whose virtual model is MODEL, PROMPT a prompt
      that route rewrites, CACHE `on` or `off` (the semantic cache), PII Block on credit cards; asserts the
      exact phases sent for requests that are ours or not, streamed or not, blocked, cache miss and hit.
Prints one line per scenario and exits non-zero on the first mismatch.
"""
import json
import queue
import sys

import grpc
from envoy_data_plane.envoy.config.core.v3 import HeaderMap, HeaderValue
from envoy_data_plane.envoy.extensions.filters.http.ext_proc.v3 import (
    ProcessingMode,
    ProcessingModeBodySendMode as BodyMode,
    ProcessingModeHeaderSendMode as HeaderMode,
)
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


def run_stream(channel, messages, metadata=None):
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
    for answer in call(requests(), timeout=30, metadata=metadata):
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


class Conversation:
    """One ext_proc stream driven step by step: send a message, get its answer."""

    def __init__(self, channel):
        call = channel.stream_stream(METHOD, request_serializer=bytes, response_deserializer=ProcessingResponse.parse)
        self.outbox = queue.Queue()
        self.done = object()

        def requests():
            while (message := self.outbox.get()) is not self.done:
                yield message

        self.answers = call(requests(), timeout=30)

    def send(self, message):
        self.outbox.put(message)
        return next(self.answers)

    def close(self):
        self.outbox.put(self.done)
        for _ in self.answers:
            pass


def filter_mode(filter_config):
    """The rendered filter's processing_mode (protobuf JSON) as Envoy's message."""
    pm = filter_config["processing_mode"]
    return ProcessingMode(
        request_header_mode=HeaderMode[pm.get("request_header_mode", "DEFAULT")],
        response_header_mode=HeaderMode[pm.get("response_header_mode", "DEFAULT")],
        request_body_mode=BodyMode[pm.get("request_body_mode", "NONE")],
        response_body_mode=BodyMode[pm.get("response_body_mode", "NONE")],
        request_trailer_mode=HeaderMode[pm.get("request_trailer_mode", "DEFAULT")],
        response_trailer_mode=HeaderMode[pm.get("response_trailer_mode", "DEFAULT")],
    )


def play(channel, filter_config, method="POST", path="/v1/chat/completions", content_type="application/json",
         request_body=None, status=200, response_type="application/json", response_body=b'{"id":"x","choices":[]}'):
    """Envoy's ext_proc filter for one HTTP request: each phase is sent only when the mode in force says so
    (DEFAULT header mode = SEND; a body only when BUFFERED here); a mode_override in an answer to a headers
    message replaces the whole mode when allow_mode_override is set; an immediate response ends it.
    Returns (phases, answers)."""
    mode = filter_mode(filter_config)
    allow = bool(filter_config.get("allow_mode_override", False))
    conversation = Conversation(channel)
    phases, answers = [], []

    def exchange(phase, message):
        nonlocal mode
        phases.append(phase)
        answer = conversation.send(message)
        answers.append(answer)
        if which(answer) == "immediate_response":
            return False
        if phase.endswith("headers") and allow and answer.mode_override is not None:
            mode = answer.mode_override
        return True

    def body_sent(body_mode):
        if body_mode not in (BodyMode.NONE, BodyMode.BUFFERED):
            raise SystemExit(f"FAIL: body mode {body_mode} is not modelled")
        return body_mode == BodyMode.BUFFERED

    try:
        pairs = [(":method", method), (":path", path)] + ([("content-type", content_type)] if content_type else [])
        if mode.request_header_mode != HeaderMode.SKIP:
            if not exchange("request_headers", ProcessingRequest(request_headers=headers(pairs, end_of_stream=request_body is None))):
                return phases, answers
        if request_body is not None and body_sent(mode.request_body_mode):
            if not exchange("request_body", ProcessingRequest(request_body=HttpBody(body=request_body, end_of_stream=True))):
                return phases, answers
        if mode.response_header_mode != HeaderMode.SKIP:
            response = headers([(":status", str(status)), ("content-type", response_type)])
            if not exchange("response_headers", ProcessingRequest(response_headers=response)):
                return phases, answers
        if body_sent(mode.response_body_mode):
            exchange("response_body", ProcessingRequest(response_body=HttpBody(body=response_body, end_of_stream=True)))
        return phases, answers
    finally:
        conversation.close()


def chat_stream(model, text, stream):
    body = {"model": model, "messages": [{"role": "user", "content": text}]}
    if stream:
        body["stream"] = True
    return json.dumps(body).encode()


def phases_main(target, filter_json, model, prompt, cache):
    filter_config = json.loads(filter_json)
    cache_on = cache == "on"
    with grpc.insecure_channel(target) as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        phases, answers = play(channel, filter_config, path="/api/v1/upload", content_type="application/octet-stream",
                               request_body=b"\x07" * 100_000)
        check(phases == ["request_headers"], f"not ours (a 100 kB upload): request headers only, got {phases}")
        override = answers[0].mode_override
        check(override is not None and override.request_body_mode == BodyMode.NONE
              and override.response_header_mode == HeaderMode.SKIP and override.response_body_mode == BodyMode.NONE,
              "not ours: the override turns off the body and the response")
        phases, _ = play(channel, filter_config, method="GET", path="/v1/models", content_type=None)
        check(phases == ["request_headers"], f"GET /v1/models: request headers only, got {phases}")

        seen_response = ["response_headers"] if cache_on else []
        phases, answers = play(channel, filter_config, request_body=chat_stream(model, prompt, True),
                               response_type="text/event-stream", response_body=b"data: {}\n\n")
        check(phases == ["request_headers", "request_body"] + seen_response,
              f"ours, streamed (cache {cache}): the streamed body is never read, got {phases}")
        check(json.loads(answers[1].request_body.response.body_mutation.body)["model"] != model, "ours, streamed: rewritten")

        phases, _ = play(channel, filter_config, request_body=chat(model, "card 4111 1111 1111 1111 " + prompt))
        check(phases == ["request_headers", "request_body"], f"blocked (cache {cache}): ends at the request body, got {phases}")

        phases, _ = play(channel, filter_config, request_body=chat("gpt-4o", prompt))
        check(phases == ["request_headers", "request_body"] + seen_response, f"another model (cache {cache}): got {phases}")

        phases, answers = play(channel, filter_config, request_body=chat(model, prompt))
        if cache_on:
            check(phases == ["request_headers", "request_body", "response_headers", "response_body"],
                  f"ours, not streamed, cache miss: the answer's body is read once, got {phases}")
            phases, answers = play(channel, filter_config, request_body=chat(model, prompt))
            check(phases == ["request_headers", "request_body"] and int(answers[-1].immediate_response.status.code) == 200,
                  f"the same prompt again: answered from the cache, got {phases}")
        else:
            check(phases == ["request_headers", "request_body"], f"ours, not streamed, no cache: got {phases}")
    print("all scenarios passed")


def trace_main(target, model, prompt, header_parent, metadata_parent, unsampled_parent):
    """Three classified requests carrying W3C trace context as Envoy sends it: an unsampled parent in the
    request headers, a sampled parent in the request headers, and a sampled parent in the stream's gRPC
    metadata (Envoy's own ext_proc span) next to a different one in the headers, which must lose."""
    channel = grpc.insecure_channel(target)
    cases = [
        ("unsampled parent in the request headers", [("traceparent", unsampled_parent)], None),
        ("sampled parent in the request headers", [("traceparent", header_parent), ("tracestate", "vendor=1")], None),
        ("parent in the gRPC metadata wins over the headers' one", [("traceparent", header_parent)],
         (("traceparent", metadata_parent),)),
    ]
    for name, trace_headers, metadata in cases:
        base = [(":method", "POST"), (":path", "/v1/chat/completions"), ("content-type", "application/json"),
                ("x-request-id", f"trace-{len(name)}")]
        messages = [
            ProcessingRequest(request_headers=headers(base + trace_headers)),
            ProcessingRequest(request_body=HttpBody(body=chat(model, prompt), end_of_stream=True)),
        ]
        answers = run_stream(channel, messages, metadata=metadata)
        check(len(answers) == 2 and which(answers[1]) == "request_body", f"{name}: the body was answered")
    print("all scenarios passed")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "phases":
        phases_main(*sys.argv[2:7])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "trace":
        trace_main(*sys.argv[2:8])
        return
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
