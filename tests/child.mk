# tests/child/: the child driven through whole sessions by a scripted
# parent (pytest from Debian). Run as the invoking user and, when that is
# root, once more as an unprivileged user from a copy the user can reach.

CHILD_TEST_DEPS := $(BUILD)/sandbox $(BUILD)/libsbpreload.so
PYTEST := $(PYTHON) -m pytest -q -p no:cacheprovider

.PHONY: test-child
test-child: $(CHILD_TEST_DEPS)
	PYSANDBOX_CHILD=$(CURDIR)/$(BUILD)/sandbox $(PYTEST) tests/child
	@if [ "$$(id -u)" -eq 0 ]; then scripts/as-nobody.sh $(PYTEST) tests/child; fi

TEST_TARGETS += test-child
LINT_TARGETS += lint-python

.PHONY: lint-python
lint-python:
	pyflakes3 lib tests/child tests/examples

$(BUILD)/tests/check_config: tests/check_config.c $(BUILD)/child/config.o \
		$(BUILD)/child/vfs.o $(PROTO_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CHILD_CFLAGS) $(CHECK_CFLAGS) -o $@ $^ \
		$(PROTO_LIBS) $(CHECK_LIBS)

.PHONY: test-config
test-config: $(BUILD)/tests/check_config
	$<

ALL_TARGETS += $(BUILD)/tests/check_config
TEST_TARGETS += test-config
