# parents/php: the PHP parent, Composer package python-sandbox/python-sandbox
# (namespace PythonSandbox\). Tested with Debian's phpunit against a fake
# child (tests/fixtures/fake-child.php); linted with phpcs (PSR-12) and
# `php -l` of every file. No composer install: Packagist is not needed.

PHP_DIR     := parents/php
PHP_FILES    = $(shell find $(PHP_DIR)/src $(PHP_DIR)/tests $(PHP_DIR)/bin \
		 $(wildcard $(PHP_DIR)/examples) -type f \
		 \( -name '*.php' -o -path '$(PHP_DIR)/bin/*' \))

.PHONY: php-test php-lint
php-test:
	cd $(PHP_DIR) && phpunit --testsuite unit

php-lint:
	@for f in $(PHP_FILES); do \
		php -l "$$f" >/dev/null || exit 1; \
	done
	cd $(PHP_DIR) && phpcs -q

TEST_TARGETS += php-test
LINT_TARGETS += php-lint
