# Managed by integration-harness: how the Python suite is installed and run
# (included by integration.mk). Extra packages: tests/integration/requirements-local.txt.

INTEGRATION_DIR ?= tests/integration
INTEGRATION_PYTHON ?= python3
INTEGRATION_VENV ?= $(INTEGRATION_DIR)/.venv
INTEGRATION_REQUIREMENTS = $(INTEGRATION_DIR)/requirements.txt \
	$(wildcard $(INTEGRATION_DIR)/requirements-local.txt)
INTEGRATION_RUNNER = $(INTEGRATION_VENV)/bin/python -m pytest \
	-c $(INTEGRATION_DIR)/pytest.ini --rootdir $(INTEGRATION_DIR) $(INTEGRATION_DIR) \
	$(if $(PARALLEL),-n $(PARALLEL))

.PHONY: integration-deps
integration-deps: $(INTEGRATION_VENV)/.installed

$(INTEGRATION_VENV)/.installed: $(INTEGRATION_REQUIREMENTS)
	@echo "integration-harness: installing test requirements into $(INTEGRATION_VENV)"
	@test -x $(INTEGRATION_VENV)/bin/python || $(INTEGRATION_PYTHON) -m venv $(INTEGRATION_VENV)
	@$(INTEGRATION_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		$(foreach file,$(INTEGRATION_REQUIREMENTS),-r $(file))
	@touch $@
