# tests/security/: the attack suite (issue 8).  Every case runs in its
# own child; the suite runs as the invoking user and, as root, once more
# as nobody from a copy (scripts/as-nobody.sh).  Reports go to
# build/security/; `make security-report` regenerates the committed
# tests/security/REPORT.md; `make test-security-long` races longer and
# fuzzes for FUZZ_SECONDS.  Fuzzing of the frame reader and the VFS
# path normalizer lives in fuzz/fuzz.mk (a short slice runs here).

SECURITY_DEPS := $(BUILD)/sandbox $(BUILD)/libsbpreload.so
SECURITY_PYTEST := $(PYTHON) -m pytest -q -p no:cacheprovider
SECURITY_OUT := $(BUILD)/security

.PHONY: test-security test-security-py test-security-long security-report \
	lint-security
test-security: test-security-py fuzz-smoke

test-security-py: $(SECURITY_DEPS)
	@mkdir -p $(SECURITY_OUT) && chmod 1777 $(SECURITY_OUT)
	SBSEC_REPORT=$(CURDIR)/$(SECURITY_OUT)/REPORT-$$(id -un).md \
		PYSANDBOX_CHILD=$(CURDIR)/$(BUILD)/sandbox \
		timeout 300 $(SECURITY_PYTEST) tests/security
	@if [ "$$(id -u)" -eq 0 ]; then \
		scripts/as-nobody.sh env \
		SBSEC_REPORT=$(CURDIR)/$(SECURITY_OUT)/REPORT-nobody.md \
		timeout 300 $(SECURITY_PYTEST) tests/security; fi

# The races for 15 s each instead of 1, then fuzzing for FUZZ_SECONDS.
test-security-long: $(SECURITY_DEPS)
	SBSEC_RACE_SECONDS=15 PYSANDBOX_CHILD=$(CURDIR)/$(BUILD)/sandbox \
		$(SECURITY_PYTEST) tests/security -k "RACE or SWAP"
	$(MAKE) fuzz

security-report: $(SECURITY_DEPS)
	PYSANDBOX_CHILD=$(CURDIR)/$(BUILD)/sandbox \
		$(SECURITY_PYTEST) tests/security

lint-security:
	clang-format --dry-run --Werror fuzz/*.c
	pyflakes3 tests/security

TEST_TARGETS += test-security
LINT_TARGETS += lint-security

include fuzz/fuzz.mk
