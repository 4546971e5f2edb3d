# Managed by integration-harness: `copier update` rewrites this file.
# Every target here starts with `integration-`, so including this file never
# changes a target your Makefile already has. Override the variables below in
# your Makefile or on the command line, e.g. `make integration-test KEEP=1`.
#
#   make integration-test            start the test services (Docker), run the suite, stop them
#   make integration-test-external   run the suite against whatever the TEST_* settings point at
#   make integration-services-up     start the test services and wait until they are healthy
#   make integration-services-down   stop them and remove their data
#   make integration-check-update    say whether a newer version of the template is available
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

.PHONY: integration-test integration-test-external integration-services-up \
	integration-services-down integration-check-update

integration-test:
	@$(MAKE) --no-print-directory integration-services-up
	@status=0; $(MAKE) --no-print-directory integration-test-external || status=$$?; \
	if [ "$(KEEP)" != 1 ]; then $(MAKE) --no-print-directory integration-services-down; fi; \
	exit $$status

integration-test-external: integration-deps
	$(INTEGRATION_RUNNER) $(ARGS)

integration-services-up:
ifneq ($(wildcard compose.test.yaml),)
	$(INTEGRATION_COMPOSE) $(INTEGRATION_COMPOSE_FLAGS) up -d --wait --wait-timeout $(INTEGRATION_WAIT_SECONDS)
else
	@echo "integration-harness: this project uses no services"
endif

integration-services-down:
ifneq ($(wildcard compose.test.yaml),)
	$(INTEGRATION_COMPOSE) $(INTEGRATION_COMPOSE_FLAGS) down --volumes --remove-orphans
endif

# One line either way. GNU make itself only exits 0 or 2, so: exit status 0 when
# the check ran (up to date, or a newer version is available: the line says
# which), 2 when it could not run. For CI: `copier check-update --quiet` exits
# 0 (up to date), 2 (update available) or 1 (could not check).
integration-check-update:
	@if ! command -v $(firstword $(INTEGRATION_COPIER)) >/dev/null 2>&1; then \
		echo "integration-harness: cannot check for updates: copier is not installed (pipx install copier, or uv tool install copier)" >&2; exit 1; fi; \
	errors=$$(mktemp); status=0; \
	found=$$($(INTEGRATION_COPIER) check-update --output-format json 2>$$errors) || status=$$?; \
	reason=$$(grep -v '^[[:space:]]*$$' $$errors | tail -n 1); rm -f $$errors; \
	if [ $$status != 0 ] || ! printf '%s' "$$found" | grep -q '"update_available"'; then \
		echo "integration-harness: cannot check for updates: $${reason:-copier check-update exited with status $$status} (the template's source is _src_path in .copier-answers.yml)" >&2; exit 1; fi; \
	current=$$(printf '%s' "$$found" | sed -n 's/.*"current_version": *"\([^"]*\)".*/\1/p'); \
	latest=$$(printf '%s' "$$found" | sed -n 's/.*"latest_version": *"\([^"]*\)".*/\1/p'); \
	if printf '%s' "$$found" | grep -q '"update_available": *true'; then \
		echo "integration-harness: template $$latest is available (this project has $${current:-an untagged version}): run copier update --defaults, and read the template's CHANGELOG"; \
	else echo "integration-harness: up to date with the template ($${current:-untagged})"; fi

# Releases before 0.3.0 created a Makefile that only says `include integration.mk`
# and told you to run `make test`. That Makefile is yours, so an update never
# rewrites it; while its only line is that include, the short names keep working
# here. A Makefile with anything else in it keeps only the integration- names.
INTEGRATION_USER_MAKEFILE := $(firstword $(MAKEFILE_LIST))
ifeq ($(strip $(shell grep -v -e '^\#' -e '^[[:space:]]*$$' $(INTEGRATION_USER_MAKEFILE) 2>/dev/null)),include integration.mk)
.PHONY: test test-external services-up services-down check-update
test test-external services-up services-down check-update:
	@echo "integration-harness: \`make $@\` is now \`make integration-$@\` (see tests/integration/README.md)"
	@$(MAKE) --no-print-directory integration-$@
endif
