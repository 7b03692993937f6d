# examples/: embed.c (the README's C API example) is built against the
# library and run by make test, so the README cannot drift from the API.

$(BUILD)/examples/embed: examples/embed.c $(BUILD)/libpysandbox.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iparents/c $(JSONC_CFLAGS) -o $@ $< \
		$(BUILD)/libpysandbox.a $(PROTO_LIBS)

.PHONY: test-examples
test-examples: $(BUILD)/examples/embed $(BUILD)/sandbox
	PYSANDBOX_CHILD=$(CURDIR)/$(BUILD)/sandbox $(BUILD)/examples/embed | \
		grep -qx 'outcome ok, stdout: 42'

ALL_TARGETS += $(BUILD)/examples/embed
TEST_TARGETS += test-examples

# The demo's programs through the C, Node and PHP parents: same results.
.PHONY: test-examples-parents
test-examples-parents: $(BUILD)/sandbox $(BUILD)/libsbpreload.so \
		$(BUILD)/c/conformance-driver
	PYSANDBOX_CHILD=$(CURDIR)/$(BUILD)/sandbox $(PYTHON) -m pytest -q \
		-p no:cacheprovider tests/examples

TEST_TARGETS += test-examples-parents

.PHONY: lint-examples
lint-examples:
	clang-format --dry-run -Werror examples/embed.c
	pyflakes3 examples

LINT_TARGETS += lint-examples
