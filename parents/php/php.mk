# parents/php: the PHP parent, Composer package python-sandbox/python-sandbox
# (namespace PythonSandbox\). Unit tests run Debian's phpunit against a fake
# child (tests/fixtures/fake-child.php); the integration group runs against
# the real child, PYSANDBOX_CHILD or build/sandbox (built first, never
# skipped). Lint: phpcs (PSR-12) and `php -l` of every file. No composer
# install: the package has no runtime dependencies.

PHP_DIR    := parents/php
PHP_CHILD  := $(if $(PYSANDBOX_CHILD),$(PYSANDBOX_CHILD),$(abspath $(BUILD)/sandbox))
PHP_FILES   = $(shell find $(PHP_DIR)/src $(PHP_DIR)/tests $(PHP_DIR)/bin \
		$(wildcard $(PHP_DIR)/examples) -type f \
		\( -name '*.php' -o -path '$(PHP_DIR)/bin/*' \))

.PHONY: php-test php-lint
php-test: $(if $(PYSANDBOX_CHILD),,$(BUILD)/sandbox)
	cd $(PHP_DIR) && PYSANDBOX_CHILD=$(PHP_CHILD) phpunit

php-lint:
	@for f in $(PHP_FILES); do \
		php -l "$$f" >/dev/null || exit 1; \
	done
	cd $(PHP_DIR) && phpcs -q

TEST_TARGETS += php-test
LINT_TARGETS += php-lint
