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

# Included anywhere in your Makefile, this file never becomes its default goal.
INTEGRATION_INCLUDER_GOAL := $(.DEFAULT_GOAL)

INTEGRATION_COMPOSE ?= docker compose
# The stack belongs to this checkout: the name in compose.test.yaml plus a hash of
# this directory, so two clones or worktrees of one repository never share (or
# stop) each other's services.
ifndef INTEGRATION_PROJECT
INTEGRATION_PROJECT := $(or $(shell sed -n 's/^name: *//p' compose.test.yaml 2>/dev/null),test)-$(shell \
	printf '%s' "$(CURDIR)" | cksum | awk '{ printf "%08x", $$1 }')
endif
INTEGRATION_COMPOSE_FLAGS ?= -p $(INTEGRATION_PROJECT) -f compose.test.yaml \
	$(if $(wildcard compose.test.override.yaml),-f compose.test.override.yaml) \
	--env-file .env.test $(if $(wildcard .env.test.local),--env-file .env.test.local)
INTEGRATION_WAIT_SECONDS ?= 120
INTEGRATION_DOCKER = $(firstword $(INTEGRATION_COMPOSE))

# Docker and its compose v2 plugin must be there: one message with the
# alternatives instead of `unknown shorthand flag: 'f'` or `No such file or directory`.
define INTEGRATION_REQUIRE_COMPOSE
@missing=; if ! command -v $(INTEGRATION_DOCKER) >/dev/null 2>&1; then \
	missing="there is no \`$(INTEGRATION_DOCKER)\` command on PATH"; \
elif ! $(INTEGRATION_COMPOSE) version >/dev/null 2>&1; then \
	missing="\`$(INTEGRATION_COMPOSE) version\` fails: Docker is there but not its compose v2 plugin"; \
fi; \
if [ -n "$$missing" ]; then printf '%s\n' \
	"integration-harness: cannot start the test services: $$missing." \
	"  Either install Docker with the compose v2 plugin (https://docs.docker.com/compose/install/)" \
	"  and try again, or start the services yourself as tests/integration/README.md" \
	"  (\"Running without Docker\") describes and run \`make integration-test-external\`." \
	>&2; exit 1; fi
endef

# What `docker ps` prints per container for the check below (Go template fields,
# separated by |): its compose project, the checkout it came from, its ports.
INTEGRATION_PS_COLUMNS = .Label "com.docker.compose.project"|.Label "com.docker.compose.project.working_dir"|.Ports
INTEGRATION_PS_FORMAT = {{$(subst |,}}|{{,$(INTEGRATION_PS_COLUMNS))}}

# Refuse to start a second stack on ports another compose project (another
# checkout of this repository, or any other stack) already publishes, naming it.
define INTEGRATION_REFUSE_TAKEN_PORTS
@config=$$($(INTEGRATION_COMPOSE) $(INTEGRATION_COMPOSE_FLAGS) config) || exit 1; \
ports=$$(printf '%s\n' "$$config" | sed -n 's/^ *published: "\{0,1\}\([0-9][0-9]*\)"\{0,1\} *$$/\1/p'); \
taken=$$($(INTEGRATION_DOCKER) ps --format '$(INTEGRATION_PS_FORMAT)' 2>/dev/null \
	| awk -F'|' -v ours="$(INTEGRATION_PROJECT)" -v ports="$$ports" ' \
		$$1 != "" && $$1 != ours { n = split(ports, p, " "); \
			for (i = 1; i <= n; i++) if (index($$3, ":" p[i] "->")) { \
				if (!($$1 in dir)) { order[++k] = $$1; dir[$$1] = $$2 } \
				if (!seen[$$1, p[i]]++) used[$$1] = used[$$1] " " p[i] } } \
		END { for (j = 1; j <= k; j++) print order[j] "|" dir[order[j]] "|" used[order[j]] }'); \
if [ -n "$$taken" ]; then \
	other=$$(printf '%s\n' "$$taken" | head -n 1); name=$${other%%|*}; rest=$${other#*|}; \
	dir=$${rest%%|*}; used=$${rest#*|}; instead=; \
	for port in $$used; do var=$$(cat .env.test.local .env.test 2>/dev/null \
		| sed -n "s/^\(TEST_[A-Z0-9_]*_PORT\)=$$port *$$/\1/p" | head -n 1); \
		instead="$$instead $${var:-TEST_..._PORT}=$$((port + 1000))"; done; \
	printf '%s\n' \
	"integration-harness: compose project $$name (started from $$dir)" \
	"  already publishes port(s)$$used, which this checkout's test services need." \
	"  Stop that stack (\`make integration-services-down\` in $$dir, or" \
	"  \`docker compose -p $$name down\`), or give this checkout its own ports in" \
	"  .env.test.local:$$instead" >&2; \
	exit 1; fi
endef

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
	$(INTEGRATION_REQUIRE_COMPOSE)
	$(INTEGRATION_REFUSE_TAKEN_PORTS)
	$(INTEGRATION_COMPOSE) $(INTEGRATION_COMPOSE_FLAGS) up -d --wait --wait-timeout $(INTEGRATION_WAIT_SECONDS)
else
	@echo "integration-harness: this project uses no services"
endif

integration-services-down:
ifneq ($(wildcard compose.test.yaml),)
	$(INTEGRATION_REQUIRE_COMPOSE)
	$(INTEGRATION_COMPOSE) $(INTEGRATION_COMPOSE_FLAGS) down --volumes --remove-orphans
endif

# One line either way. GNU make itself only exits 0 or 2, so: exit status 0 when
# the check ran (up to date, or a newer version is available: the line says
# which), 2 when it could not run. For CI: `copier check-update --quiet` exits
# 0 (up to date), 2 (update available) or 1 (could not check).
integration-check-update:
	@if ! command -v $(firstword $(INTEGRATION_COPIER)) >/dev/null 2>&1; then \
		echo "integration-harness: cannot check for updates: copier is not installed (pipx install copier, or uv tool install copier)" >&2; exit 1; fi; \
	source=$$(sed -n 's/^_src_path: *//p' .copier-answers.yml 2>/dev/null); \
	case "$$source" in /*) if [ ! -e "$$source" ]; then \
		echo "integration-harness: cannot check for updates: the template's source $$source (_src_path in .copier-answers.yml) does not exist: point it at the template's clone or git URL" >&2; exit 1; fi;; esac; \
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
INTEGRATION_INCLUDER_GOAL := $(or $(INTEGRATION_INCLUDER_GOAL),test)
endif

.DEFAULT_GOAL := $(INTEGRATION_INCLUDER_GOAL)
