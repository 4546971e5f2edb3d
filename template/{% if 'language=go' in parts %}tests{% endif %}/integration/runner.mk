# Managed by integration-harness: how the Go suite is installed and run
# (included by integration.mk). tests/integration is a Go module of its own
# (go.mod): your repository's go.mod is never edited.

INTEGRATION_DIR ?= tests/integration
INTEGRATION_GO ?= go
# PARALLEL=N: N test binaries (packages) at once, and in each N tests that call
# t.Parallel(); without it one test at a time. -shuffle=on: a new random order
# every run, so hidden dependencies between tests show up (the seed is printed).
INTEGRATION_RUNNER = cd $(INTEGRATION_DIR) && $(INTEGRATION_GO) test -count=1 -shuffle=on -timeout=5m \
	-p $(or $(PARALLEL),1) -parallel $(or $(PARALLEL),1) ./...

.PHONY: integration-deps
integration-deps: $(INTEGRATION_DIR)/go.sum

# go.sum is written from go.mod the first time (and when go.mod changes): commit it.
# go.mod already lists every module (direct and indirect), so downloading them only
# adds their checksums and never edits go.mod. Not `go mod tidy`: it would drop
# what a go.work of yours adds (README, "Your packages"). GOWORK=off: this
# module's own checksums, in its own go.sum.
$(INTEGRATION_DIR)/go.sum: $(INTEGRATION_DIR)/go.mod
	@echo "integration-harness: downloading the test module's dependencies (go mod download) into $(INTEGRATION_DIR)/go.sum"
	@cd $(INTEGRATION_DIR) && GOWORK=off $(INTEGRATION_GO) mod download all
	@touch $@
