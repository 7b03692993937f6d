# parents/node: the npm package `python-sandbox` (docs/node.md).
#
#   make node-test          node-unit, then node-integration
#   make node-unit          tests against the fake child (test/fixtures)
#   make node-integration   tests against the real child, $(BUILD)/sandbox
#   make node-lint          eslint, tsc --noEmit, shipped .d.ts up to date
#   make node-types         regenerate parents/node/types from the JSDoc
#
# Dev tooling (eslint, typescript) comes from npm, pinned by package-lock.json.
# `npm ci` runs only when the lock file is newer than node_modules, so once
# installed everything works offline. The tests need no npm package at all.

NODE_DIR   := parents/node
NODE       ?= node
NPM        ?= npm
NODE_STAMP := $(NODE_DIR)/node_modules/.pysandbox-stamp
NODE_UNIT  := $(wildcard $(NODE_DIR)/test/*.test.js)
NODE_CHILD := $(abspath $(BUILD)/sandbox)
NODE_TEST_FLAGS := --test --test-timeout=60000

.PHONY: node-deps node-test node-unit node-integration node-lint node-types

$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	@command -v $(NPM) >/dev/null || { echo "node: npm not found (install Debian's nodejs with npm)" >&2; exit 1; }
	cd $(NODE_DIR) && $(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@

node-deps: $(NODE_STAMP)

node-unit:
	cd $(NODE_DIR) && $(NODE) $(NODE_TEST_FLAGS) $(patsubst $(NODE_DIR)/%,%,$(NODE_UNIT))

# PYSANDBOX_CHILD is always set here: the integration tests fail (never skip)
# when it names no executable. `make test` builds the child before any test.
node-integration: $(BUILD)/sandbox
	cd $(NODE_DIR) && PYSANDBOX_CHILD=$(NODE_CHILD) $(NODE) $(NODE_TEST_FLAGS) test/integration/*.test.js

node-test: node-unit node-integration

node-lint: $(NODE_STAMP)
	cd $(NODE_DIR) && node_modules/.bin/eslint --max-warnings=0 .
	cd $(NODE_DIR) && node_modules/.bin/tsc --noEmit -p tsconfig.json
	@rm -rf $(BUILD)/node-types && mkdir -p $(BUILD)/node-types
	cd $(NODE_DIR) && node_modules/.bin/tsc -p tsconfig.types.json --outDir $(abspath $(BUILD)/node-types)
	@diff -r $(NODE_DIR)/types $(BUILD)/node-types >/dev/null || \
		{ echo "node: parents/node/types is out of date with the JSDoc; run 'make node-types'" >&2; exit 1; }

node-types: $(NODE_STAMP)
	rm -rf $(NODE_DIR)/types
	cd $(NODE_DIR) && node_modules/.bin/tsc -p tsconfig.types.json

TEST_TARGETS += node-test
LINT_TARGETS += node-lint
