# OpenChat. `make run` starts the server; `make test` runs every check.
GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
# The version the binary reports (openchat version, /healthz, build_info).
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
WEB_SRC     := $(shell find web/src web/public web/index.html web/package.json web/package-lock.json web/vite.config.ts web/tsconfig*.json web/scripts web/sw.template.js -type f 2>/dev/null)

.PHONY: run build test lint test-go test-web test-e2e test-cluster bench fuzz web clean

## run: start the server on http://localhost:8080 with SQLite in ./data
run: web/dist/index.html
	$(GO) run ./cmd/openchat serve

## build: the binary in bin/openchat
build: web/dist/index.html
	$(GO) build -trimpath -ldflags "-X main.version=$(VERSION)" -o bin/openchat ./cmd/openchat

# The client is rebuilt only when its sources are newer than dist (dist is
# committed, so a clone without Node still builds and runs).
web/dist/index.html: $(WEB_SRC)
	@if command -v npm >/dev/null 2>&1 && (cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build); then :; \
	else echo "web client not rebuilt (no npm, or the build failed): serving the committed web/dist"; touch $@; fi

web:
	cd web && npm ci --no-audit --no-fund && npm run build

## test: formatting, vet, staticcheck, Go tests with -race, web unit tests
test: lint test-go test-web

lint:
	@out=$$(gofmt -l $$(git ls-files "*.go") $$(git ls-files --others --exclude-standard "*.go")); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@# Windows builds every !linux and !unix file (the poller's stubs, the
	@# deadline writes, CPU time), so a Unix-only call outside them fails here.
	@# (macOS adds no file of its own; vetting it too cost 2.3 min on a cold cache.)
	GOOS=windows $(GO) vet ./...
	$(STATICCHECK) ./...

test-go:
	$(GO) test -race -count=1 ./...
	@# docs/perf/tracebins is a module of its own (it needs golang.org/x/exp).
	cd docs/perf/tracebins && $(GO) test -race -count=1 ./...

test-web:
	@if [ -f web/package.json ]; then cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm test; fi

## test-e2e: the web client in headless Chromium against a real server
test-e2e: build
	cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && OPENCHAT_BIN=$(CURDIR)/bin/openchat npm run e2e

## test-cluster: nginx + 3 instances + PostgreSQL + Redis + mailpit, with faults
test-cluster: build
	$(GO) test -count=1 -timeout 20m -tags cluster ./deploy/clustertest/ -v

## fuzz: each fuzz target for FUZZTIME (seed corpora in the tests; a failing input is saved under testdata/fuzz/).
## A count, not a duration: Go 1.26's fuzz coordinator can fail a duration run with "context
## deadline exceeded" and no crasher when the machine is busy (go.dev/issue/75804, fixed in 1.27).
FUZZTIME    ?= 40000x
FUZZ_TARGETS := ./internal/ws:FuzzReadMessage ./internal/ws:FuzzUTF8Stream ./internal/ws:FuzzDecodeFrame ./internal/ws:FuzzObjReader \
	./internal/httpapi:FuzzDecode ./internal/chat:FuzzParseMentions
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "== $${t#*:} ($${t%%:*}, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) $${t%%:*}; \
	done

## bench: Go benchmarks of the hot paths
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin data
