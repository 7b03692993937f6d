# conformance/: the protocol conformance suite (docs/conformance.md).
#
#   make conformance            every group, for the three parents' drivers
#   make conformance-child      only the child group, against build/sandbox
#   make conformance-selftest   deliberately broken drivers fail exactly
#                               the cases they should
#   make conformance-unit       the suite's own fast checks
# All three are in make test.

CONF_MOCK    := $(BUILD)/conformance/mockchild
CONF_RUN     := conformance/run
CONF_CHILD   := $(BUILD)/sandbox
# Each parent's own driver (all three meet the contract directly).
CONF_DRIVERS := "node parents/node/conformance-driver.js" \
		"php parents/php/bin/conformance-driver" \
		$(BUILD)/c/conformance-driver

$(CONF_MOCK): conformance/mockchild/mockchild.c $(PROTO_OBJ) protocol/c/sbproto.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PROTO_CFLAGS) -o $@ $< $(PROTO_OBJ) $(LDFLAGS) $(PROTO_LIBS)

# Preloaded into the real child by cases with "fault" (REQ-ENDED-2).
CONF_FAULT := $(BUILD)/conformance/faultshim.so

$(CONF_FAULT): conformance/faultshim/faultshim.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -o $@ $< $(LDFLAGS) -ldl

ALL_TARGETS += $(CONF_MOCK) $(CONF_FAULT)

CONF_DEPS := $(CONF_MOCK) $(CONF_FAULT) $(CONF_CHILD) $(BUILD)/libsbpreload.so

.PHONY: conformance conformance-child conformance-selftest conformance-lint \
	conformance-unit conformance-compat conformance-coverage
conformance: $(CONF_DEPS) $(BUILD)/c/conformance-driver
	@rc=0; for d in $(CONF_DRIVERS); do \
		echo "# driver $$d"; \
		$(CONF_RUN) --driver "$$d" \
			--child $(CONF_CHILD) --jobs 4 || rc=1; \
	done; \
	echo "# child"; $(CONF_RUN) --child $(CONF_CHILD) || rc=1; exit $$rc

conformance-child: $(CONF_DEPS)
	$(CONF_RUN) --child $(CONF_CHILD)

conformance-selftest: $(CONF_DEPS)
	$(PYTHON) conformance/selftest/selftest.py

# Fast: the matcher's table and every case file's validity and anchors.
conformance-unit:
	$(PYTHON) conformance/selftest/unit.py

# [REQ-VER-1]: the current schemas keep every published minor version
# (frozen in protocol/versions/); --self-test first proves each kind of
# break is caught.
conformance-compat:
	$(PYTHON) protocol/tools/compat.py --self-test

# Issue #7's bar, kept: every MUST of the spec is cited by a case or
# checked by a named check; a new MUST without one fails make test.
conformance-coverage:
	@mkdir -p $(BUILD)/conformance
	$(CONF_RUN) --coverage > $(BUILD)/conformance/coverage.txt
	@cat $(BUILD)/conformance/coverage.txt
	@grep -q '^# MUST anchors: [0-9]*, uncovered: 0\b' \
		$(BUILD)/conformance/coverage.txt || \
		{ echo "conformance: a MUST anchor has no case"; exit 1; }

# The whole suite (three parents and the child, about 2 minutes here) and
# the proof that it can fail (broken drivers, about 1.5 minutes).
TEST_TARGETS += conformance-unit conformance-compat conformance-coverage \
	conformance conformance-selftest

conformance-lint:
	$(PYTHON) -m pyflakes $(CONF_RUN) conformance/runner conformance/selftest \
		protocol/tools/compat.py
	clang-format --dry-run -Werror conformance/mockchild/mockchild.c \
		conformance/faultshim/faultshim.c

LINT_TARGETS += conformance-lint
