# Managed by integration-harness: how the TypeScript suite is installed and run
# (included by integration.mk). Your own packages: your repository's package.json.

INTEGRATION_DIR ?= tests/integration
INTEGRATION_NPM ?= npm
INTEGRATION_RUNNER = cd $(INTEGRATION_DIR) && ./node_modules/.bin/vitest run \
	$(if $(PARALLEL),--maxWorkers=$(PARALLEL))

.PHONY: integration-deps
integration-deps: $(INTEGRATION_DIR)/node_modules/.installed

$(INTEGRATION_DIR)/node_modules/.installed: $(INTEGRATION_DIR)/package.json
	@echo "integration-harness: installing test dependencies into $(INTEGRATION_DIR)/node_modules"
	@# --prefer-online: npm asks the registry for fresh package lists; a list cached
	@# minutes ago can lack the version a newer dependency asks for (ETARGET).
	@cd $(INTEGRATION_DIR) && $(INTEGRATION_NPM) install --prefer-online --no-audit --no-fund --loglevel=error
	@touch $@
