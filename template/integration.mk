# Managed by integration-harness: `copier update` rewrites this file.
# Put your own targets in Makefile (it includes this file); override the
# variables below there or on the command line, e.g. `make test KEEP=1`.
#
#   make test            start the test services (Docker), run the suite, stop them
#   make test-external   run the suite against whatever the TEST_* settings point at
#   make services-up     start the test services and wait until they are healthy
#   make services-down   stop them and remove their data
#   make check-update    say whether a newer version of the template is available
#
# ARGS="..." is passed to the test runner; PARALLEL=N runs it on N workers;
# KEEP=1 leaves the services running.

INTEGRATION_COMPOSE ?= docker compose
INTEGRATION_COMPOSE_FLAGS ?= -f compose.test.yaml \
	$(if $(wildcard compose.test.override.yaml),-f compose.test.override.yaml) \
	--env-file .env.test $(if $(wildcard .env.test.local),--env-file .env.test.local)
INTEGRATION_WAIT_SECONDS ?= 120

# The language's runner: defines integration-deps and INTEGRATION_RUNNER.
include tests/integration/runner.mk

INTEGRATION_COPIER ?= copier

.PHONY: test test-external services-up services-down check-update

test:
	@$(MAKE) --no-print-directory services-up
	@status=0; $(MAKE) --no-print-directory test-external || status=$$?; \
	if [ "$(KEEP)" != 1 ]; then $(MAKE) --no-print-directory services-down; fi; \
	exit $$status

test-external: integration-deps
	$(INTEGRATION_RUNNER) $(ARGS)

services-up:
ifneq ($(wildcard compose.test.yaml),)
	$(INTEGRATION_COMPOSE) $(INTEGRATION_COMPOSE_FLAGS) up -d --wait --wait-timeout $(INTEGRATION_WAIT_SECONDS)
else
	@echo "integration-harness: this project uses no services"
endif

services-down:
ifneq ($(wildcard compose.test.yaml),)
	$(INTEGRATION_COMPOSE) $(INTEGRATION_COMPOSE_FLAGS) down --volumes --remove-orphans
endif

# Exit status 2 when an update is available (for CI); `copier update` applies it.
check-update:
	@command -v $(firstword $(INTEGRATION_COPIER)) >/dev/null || \
		{ echo "integration-harness: copier is not installed (pipx install copier)"; exit 1; }
	$(INTEGRATION_COPIER) check-update --quiet || { status=$$?; \
		if [ $$status = 2 ]; then echo "integration-harness: a newer template version is available: run copier update"; fi; \
		exit $$status; }
	@echo "integration-harness: the template is up to date"
