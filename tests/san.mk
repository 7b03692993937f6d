# tests/san.mk: the supervisor and the C parent built with ASan + UBSan
# (build/asan/), each driven through real sessions by the conformance
# suite; part of make test.
#
#   make test-asan-child    the child group against build/asan/sandbox
#   make test-asan-parent   the e2e and parent groups with the ASan C
#                           driver against build/asan/sandbox
#
# The jail (build/sandbox-jail) stays a normal build: it embeds CPython
# under RLIMIT_AS, where ASan's shadow memory cannot be mapped.  The
# supervisor runs the jail it finds beside itself (config_find_install),
# so build/asan/ holds a copy of the normal jail and shim.
#
# Options are compiled in (tests/san/san_options.c): every report is
# written to $(SAN_LOG)/ and ends the process, and each target fails when
# that directory holds a report afterwards.

SAN_CC    := gcc
SAN_DIR   := $(BUILD)/asan
SAN_LOG   := $(abspath $(SAN_DIR)/log)
SAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -std=gnu11 $(WARN) -D_GNU_SOURCE

SAN_OPT_DEFS := -DSAN_LOG_DIR='"$(SAN_LOG)"' \
	-DSAN_LSAN_SUPP='"$(abspath tests/san/lsan.supp)"'

SAN_SUP_SRCS := $(SUP_SRCS) protocol/c/sbproto.c
SAN_SUP_OBJ := $(patsubst %.c,$(SAN_DIR)/sup/%.o,$(SAN_SUP_SRCS))
SAN_PAR_SRCS := $(C_LIB_SRC) $(C_DIR)/cli/common.c protocol/c/sbproto.c
SAN_PAR_OBJ := $(patsubst %.c,$(SAN_DIR)/par/%.o,$(SAN_PAR_SRCS))

$(SAN_DIR)/sup/%.o: %.c $(wildcard child/*.h) protocol/c/sbproto.h
	@mkdir -p $(dir $@)
	$(SAN_CC) $(SAN_CFLAGS) $(CHILD_CFLAGS) -c -o $@ $<

$(SAN_DIR)/par/%.o: %.c $(C_HDRS) $(C_DIR)/cli/cli.h
	@mkdir -p $(dir $@)
	$(SAN_CC) $(SAN_CFLAGS) $(C_CFLAGS) -I$(C_DIR)/cli \
		-DPYSANDBOX_PREFIX='"$(PREFIX)"' -c -o $@ $<

# LeakSanitizer's exit-time scan stops the world with clone and ptrace,
# which the supervisor's own seccomp filter refuses (EPERM): the ASan
# supervisor wraps seccomp_export_bpf, which compiles its filter, to
# allow those few calls
# (tests/san/lsan_filter.c), so leaks are looked for in every session
# with the rest of that filter in force.
$(SAN_DIR)/sup/san_options.o: tests/san/san_options.c tests/san.mk
	@mkdir -p $(dir $@)
	$(SAN_CC) $(SAN_CFLAGS) $(SAN_OPT_DEFS) -DSAN_PROG='"sandbox"' \
		-DSAN_DETECT_LEAKS=1 -c -o $@ $<

$(SAN_DIR)/par/san_options.o: tests/san/san_options.c tests/san.mk
	@mkdir -p $(dir $@)
	$(SAN_CC) $(SAN_CFLAGS) $(SAN_OPT_DEFS) -DSAN_PROG='"driver"' \
		-DSAN_DETECT_LEAKS=1 -c -o $@ $<

$(SAN_DIR)/sup/lsan_filter.o: tests/san/lsan_filter.c
	@mkdir -p $(dir $@)
	$(SAN_CC) $(SAN_CFLAGS) -c -o $@ $<

SAN_SUP_EXTRA := $(SAN_DIR)/sup/san_options.o $(SAN_DIR)/sup/lsan_filter.o

$(SAN_DIR)/sandbox: $(SAN_SUP_OBJ) $(SAN_SUP_EXTRA) \
		| $(SAN_DIR)/sandbox-jail $(SAN_DIR)/libsbpreload.so
	$(SAN_CC) $(SAN_CFLAGS) -Wl,--wrap=seccomp_export_bpf -o $@ $(SAN_SUP_OBJ) \
		$(SAN_SUP_EXTRA) $(PROTO_LIBS) $(SECCOMP_LIBS)

$(SAN_DIR)/sandbox-jail: $(BUILD)/sandbox-jail
	cp $< $@

$(SAN_DIR)/libsbpreload.so: $(BUILD)/libsbpreload.so
	cp $< $@

$(SAN_DIR)/conformance-driver: $(C_DIR)/tools/conformance_driver.c \
		$(SAN_PAR_OBJ) $(SAN_DIR)/par/san_options.o
	$(SAN_CC) $(SAN_CFLAGS) $(C_CFLAGS) -I$(C_DIR)/cli -o $@ $^ $(C_LIBS)

.PHONY: test-asan
test-asan: $(SAN_DIR)/sandbox $(SAN_DIR)/conformance-driver $(CONF_MOCK) \
		$(BUILD)/libsbpreload.so
	tests/san/run.sh $(SAN_LOG) $(SAN_DIR)/sandbox \
		$(SAN_DIR)/conformance-driver

TEST_TARGETS += test-asan

.PHONY: lint-san
lint-san:
	clang-format --dry-run -Werror tests/san/*.c

LINT_TARGETS += lint-san
