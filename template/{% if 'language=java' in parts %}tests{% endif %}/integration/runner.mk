# Managed by integration-harness: how the Java suite is built and run
# (included by integration.mk). Its own Maven project: tests/integration/pom.xml.

INTEGRATION_DIR ?= tests/integration
INTEGRATION_MVN ?= mvn
INTEGRATION_MVN_FLAGS ?= -B -ntp
# PARALLEL=N: N test JVMs (Surefire forks), each a worker with its own database.
INTEGRATION_RUNNER = cd $(INTEGRATION_DIR) && $(INTEGRATION_MVN) $(INTEGRATION_MVN_FLAGS) test \
	$(if $(PARALLEL),-Dintegration.workers=$(PARALLEL))

.PHONY: integration-deps
integration-deps:
	@command -v $(firstword $(INTEGRATION_MVN)) >/dev/null 2>&1 || { \
		echo "integration-harness: the Java suite needs Maven (mvn) and a JDK 17 or newer on PATH" >&2; exit 1; }
