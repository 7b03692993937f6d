# tests/compat.mk: CPython's own test suite run bare and inside the sandbox
# (tests/compat/run.py); a test that passes bare must pass sandboxed unless
# docs/compatibility.md lists it with a reason.
#
#   make compat        every module of tests/compat/modules.txt; summary in
#                      build/compat/summary.md (15-30 min on 2 cores: run
#                      sparingly)
#   make test-compat   the quick modules of tests/compat/quick.txt, part of
#                      `make test`

COMPAT_DEPS := $(BUILD)/pysandbox $(BUILD)/sandbox $(BUILD)/libsbpreload.so
COMPAT_ENV  := PYSANDBOX_CHILD=$(CURDIR)/$(BUILD)/sandbox
COMPAT_RUN  := $(PYTHON) tests/compat/run.py --cli $(CURDIR)/$(BUILD)/pysandbox

.PHONY: compat test-compat lint-compat
compat: $(COMPAT_DEPS)
	$(COMPAT_ENV) $(COMPAT_RUN) --check --out $(BUILD)/compat --list tests/compat/modules.txt

# The harness's own tests first (test_run.py), then the quick list; the
# timeouts only guard against a hang, the whole target takes seconds.
test-compat: $(COMPAT_DEPS)
	$(COMPAT_ENV) timeout 300 $(PYTHON) -m pytest -q -p no:cacheprovider \
		tests/compat
	$(COMPAT_ENV) timeout 600 $(COMPAT_RUN) --check --out $(BUILD)/compat-quick \
		--list tests/compat/quick.txt

lint-compat:
	pyflakes3 tests/compat

TEST_TARGETS += test-compat
LINT_TARGETS += lint-compat
