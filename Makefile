# semroute — common tasks. `make help` lists them.
SWIFT ?= swift
SAMPLE ?= manifests/samples/mom.yaml

.PHONY: help build test envtest dev run generate verify golden bench image chart-test clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

build: ## Debug build of every target
	$(SWIFT) build

test: ## Fetch the encoder and upstream CRDs, unpack the real control plane if present, run every test (what CI runs)
	hack/fetch-model.sh
	hack/fetch-upstream-crds.sh
	KUBEBUILDER_ASSETS="$$(hack/envtest-assets.sh)" $(SWIFT) test

envtest: ## Print the KUBEBUILDER_ASSETS folder for the real-API-server tests (unpacks ../shared/envtest)
	@hack/envtest-assets.sh

DEV_FLAGS ?=
dev: ## Build, fetch the encoder, then run `semroute dev` (local API server + operator + classifier; Ctrl-C stops)
	@echo "make dev: building semroute (debug; the first build takes about 17-20 minutes on a 2-core machine)..."
	$(SWIFT) build --product semroute
	@echo "make dev: fetching the sentence encoder (hack/fetch-model.sh; about 90 MB the first time)..."
	hack/fetch-model.sh
	@echo "make dev: starting semroute dev..."
	"$$($(SWIFT) build --show-bin-path)/semroute" dev $(DEV_FLAGS)

run: ## Render the sample route ($(SAMPLE))
	$(SWIFT) run semroute render -f $(SAMPLE)

generate: ## Regenerate the CRD and docs/api.md from the API types
	hack/generate.sh

verify: ## Fail when generated files drifted from their source, or a module imports across docs/architecture.md's Import rules
	hack/verify-generated.sh
	python3 hack/check-imports.py
	python3 hack/check-imports.py --self-test
	hack/check-test-time-limits.sh

golden: ## Rewrite the render golden files from the samples (review the diff!)
	SEMROUTE_UPDATE_GOLDEN=1 $(SWIFT) test --filter GoldenTests

bench: ## Render benchmark (release build); record results in docs/benchmarks.md
	$(SWIFT) run -c release semroute-bench render --routes 1000

IMAGE ?= ghcr.io/semroute/semroute:0.1.0
image: ## Build the container image ($(IMAGE)); needs a Docker engine
	docker build -t $(IMAGE) .

chart-test: ## Helm chart, kustomize, RBAC, dashboard and Dockerfile checks (needs helm-sdkpy, kubernetes-validate: docs/install.md)
	python3 hack/test-install.py

clean:
	rm -rf .build
