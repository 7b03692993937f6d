# parents/c: libpysandbox (static and shared), its header and pkg-config
# file, the pysandbox CLI, a fake child for tests, and their checks.

C_DIR    := parents/c
C_BUILD  := $(BUILD)/c
# One version, the header's: the library, pysandbox.pc and the CLI.
C_VERSION := $(shell sed -n 's/^\#define PYSANDBOX_VERSION "\(.*\)"$$/\1/p' \
	       $(C_DIR)/pysandbox.h)

C_LIB_SRC := $(wildcard $(C_DIR)/lib/*.c)
C_LIB_OBJ := $(patsubst $(C_DIR)/lib/%.c,$(C_BUILD)/lib/%.o,$(C_LIB_SRC))
C_CLI_SRC := $(wildcard $(C_DIR)/cli/*.c)
C_CLI_OBJ := $(patsubst $(C_DIR)/cli/%.c,$(C_BUILD)/cli/%.o,$(C_CLI_SRC))
C_HDRS    := $(C_DIR)/pysandbox.h $(C_DIR)/lib/internal.h protocol/c/sbproto.h
C_CFLAGS  := -I$(C_DIR) -I$(C_DIR)/lib $(PROTO_CFLAGS)
C_LIBS    := $(PROTO_LIBS) -lpthread

C_STATIC  := $(BUILD)/libpysandbox.a
C_SHARED  := $(BUILD)/libpysandbox.so
C_PC      := $(BUILD)/pysandbox.pc
C_CLI     := $(BUILD)/pysandbox
C_FAKE    := $(BUILD)/tests/fake_child
C_CHECK   := $(BUILD)/tests/check_libpysandbox

# The install prefix is compiled into the library (the child's default
# location) and the .pc file; this stamp changes only when PREFIX does,
# so `make install PREFIX=...` rebuilds exactly what depends on it.
C_PREFIX_STAMP := $(C_BUILD)/prefix.stamp

.PHONY: c-prefix-check
c-prefix-check:
$(C_PREFIX_STAMP): c-prefix-check
	@mkdir -p $(dir $@)
	@echo '$(PREFIX)' | cmp -s - $@ 2>/dev/null || echo '$(PREFIX)' > $@

$(C_BUILD)/lib/%.o: $(C_DIR)/lib/%.c $(C_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(C_CFLAGS) -c -o $@ $<

$(C_BUILD)/lib/session.o: $(C_PREFIX_STAMP)
$(C_BUILD)/lib/session.o: CFLAGS += -DPYSANDBOX_PREFIX='"$(PREFIX)"'

$(C_STATIC): $(C_LIB_OBJ) $(PROTO_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(C_SHARED): $(C_LIB_OBJ) $(PROTO_OBJ) $(C_DIR)/exports.map
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -Wl,-soname,libpysandbox.so.1 \
		-Wl,--version-script=$(C_DIR)/exports.map -Wl,-z,defs \
		$(LDFLAGS) -o $@ $(C_LIB_OBJ) $(PROTO_OBJ) $(C_LIBS)
	ln -sf libpysandbox.so $@.1

$(C_PC): $(C_DIR)/pysandbox.pc.in $(C_DIR)/pysandbox.h $(C_PREFIX_STAMP)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(C_VERSION)|' $< > $@

$(C_BUILD)/cli/%.o: $(C_DIR)/cli/%.c $(C_DIR)/cli/cli.h $(C_DIR)/pysandbox.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(C_CFLAGS) -DPYSANDBOX_CLI_VERSION='"$(C_VERSION)"' \
		-c -o $@ $<

# The CLI links the static library: one self-contained binary.
$(C_CLI): $(C_CLI_OBJ) $(C_STATIC)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(C_LIBS)

# The conformance suite's driver (docs/conformance.md): the library's API
# as the suite exercises it. Shares the CLI's helpers, not its main.
C_DRIVER := $(BUILD)/c/conformance-driver

$(C_DRIVER): $(C_DIR)/tools/conformance_driver.c $(C_BUILD)/cli/common.o \
		$(C_STATIC)
	$(CC) $(CFLAGS) $(C_CFLAGS) -I$(C_DIR)/cli $(LDFLAGS) -o $@ $^ $(C_LIBS)

$(C_FAKE): $(C_DIR)/tests/fake_child.c $(PROTO_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PROTO_CFLAGS) -o $@ $^ $(PROTO_LIBS)

# The check links the shared library, so it sees only exported symbols.
$(C_CHECK): tests/check_libpysandbox.c $(C_SHARED) $(C_DIR)/pysandbox.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(C_DIR) $(JSONC_CFLAGS) $(CHECK_CFLAGS) \
		-DFAKE_CHILD='"$(abspath $(C_FAKE))"' \
		-DREAL_CHILD='"$(abspath $(BUILD)/sandbox)"' -o $@ $< \
		-L$(BUILD) -lpysandbox -Wl,-rpath,'$(abspath $(BUILD))' \
		$(JSONC_LIBS) $(CHECK_LIBS)

ALL_TARGETS += $(C_STATIC) $(C_SHARED) $(C_PC) $(C_CLI) $(C_FAKE) $(C_CHECK) \
	       $(C_DRIVER)

.PHONY: test-libpysandbox test-cli lint-c-format install-c
.PHONY: test-libpysandbox-real test-cli-real test-c-conformance
test-libpysandbox: $(C_CHECK) $(C_FAKE) $(C_SHARED)
	CK_FORK=yes CK_RUN_SUITE=libpysandbox $(C_CHECK)
	@extra=$$(nm -D --defined-only $(C_SHARED) | \
		awk '$$3 !~ /^pysandbox_/ {print $$3}'); \
	test -z "$$extra" || { echo "libpysandbox.so exports: $$extra"; exit 1; }

test-cli: $(C_CLI) $(C_FAKE) $(C_PC)
	PYSANDBOX_CLI=$(abspath $(C_CLI)) FAKE_CHILD=$(abspath $(C_FAKE)) \
		PYSANDBOX_PC=$(abspath $(C_PC)) \
		$(PYTHON) -m pytest -q -p no:cacheprovider tests/cli/test_cli.py \
		$(C_DIR)/tests/test_cli_args.py

# docs/c-api.md's example, compiled as users would against the library.
C_DOC_EXAMPLE := $(C_BUILD)/doc_example

$(C_DOC_EXAMPLE): docs/c-api.md $(C_SHARED) $(C_DIR)/pysandbox.h
	@mkdir -p $(dir $@)
	sed -n '/^```c$$/,/^```$$/p' $< | sed '1d;$$d' > $@.c
	$(CC) $(CFLAGS) -I$(C_DIR) $(JSONC_CFLAGS) -o $@ $@.c -L$(BUILD) \
		-lpysandbox -Wl,-rpath,'$(abspath $(BUILD))' $(JSONC_LIBS)

# The same checks against the real child (build/sandbox, child/child.mk).
test-libpysandbox-real: $(C_CHECK) $(C_DOC_EXAMPLE) $(BUILD)/sandbox
	CK_FORK=yes CK_RUN_SUITE=real-child $(C_CHECK)
	sed -n '/^Its output:$$/,$$p' docs/c-api.md | \
		sed -n '/^```$$/,/^```$$/p' | sed '1d;$$d' > $(C_DOC_EXAMPLE).out
	PYSANDBOX_CHILD=$(abspath $(BUILD)/sandbox) $(C_DOC_EXAMPLE) \
		> $(C_DOC_EXAMPLE).got
	diff -u $(C_DOC_EXAMPLE).out $(C_DOC_EXAMPLE).got
	@# The build-tree link lines of c-api.md, shared and static, as given.
	grep '^cc app\.c -Iparents/c ' docs/c-api.md | \
		sed -e 's|^cc app\.c|$(CC) $(C_DOC_EXAMPLE).c|' \
		    -e 's|-o app$$|-o $(C_DOC_EXAMPLE)-link \&\& PYSANDBOX_CHILD=$(abspath $(BUILD)/sandbox) $(C_DOC_EXAMPLE)-link \| diff -u $(C_DOC_EXAMPLE).out -|' | \
		sh -ex

test-cli-real: $(C_CLI) $(BUILD)/sandbox
	PYSANDBOX_CLI=$(abspath $(C_CLI)) SANDBOX_CHILD=$(abspath $(BUILD)/sandbox) \
		$(PYTHON) -m pytest -q -p no:cacheprovider tests/cli/test_real_child.py \
		$(C_DIR)/tests/test_cli_real.py

# The conformance suite (docs/conformance.md) with the C driver: about a
# minute for the parent group, several for e2e, so runnable by name only.
test-c-conformance: $(C_DRIVER) $(BUILD)/sandbox $(BUILD)/conformance/mockchild
	conformance/run --driver $(abspath $(C_DRIVER)) --child $(BUILD)/sandbox

C_FMT_FILES := $(C_DIR)/pysandbox.h $(wildcard $(C_DIR)/lib/*.[ch]) \
	       $(wildcard $(C_DIR)/cli/*.[ch]) $(C_DIR)/tests/fake_child.c \
	       $(C_DIR)/tools/conformance_driver.c \
	       tests/check_libpysandbox.c

lint-c-format:
	clang-format --dry-run -Werror $(C_FMT_FILES)

TEST_TARGETS += test-libpysandbox test-cli test-libpysandbox-real test-cli-real
LINT_TARGETS += lint-c-format

install-c: $(C_STATIC) $(C_SHARED) $(C_PC) $(C_CLI)
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(C_STATIC) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(C_SHARED) \
		$(DESTDIR)$(PREFIX)/lib/libpysandbox.so.$(C_VERSION)
	ln -sf libpysandbox.so.$(C_VERSION) \
		$(DESTDIR)$(PREFIX)/lib/libpysandbox.so.1
	ln -sf libpysandbox.so.1 $(DESTDIR)$(PREFIX)/lib/libpysandbox.so
	install -m 644 $(C_DIR)/pysandbox.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(C_PC) $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 755 $(C_CLI) $(DESTDIR)$(PREFIX)/bin/

INSTALL_TARGETS += install-c
