# child/: build/sandbox, the supervisor and (re-executed) the jail.

PY_CFLAGS := $(shell $(PYCONFIG) --includes)
PY_LIBS   := $(shell $(PYCONFIG) --embed --ldflags)

# The jail links CPython statically, as Debian's own python3.11 does:
# resolving libpython's symbols at every start costs about 2 ms of a
# 20 ms cold start (measured side by side; docs/performance.md).
# Extension modules in lib-dynload find those symbols in the jail
# binary itself (-export-dynamic). The whole archive is linked, not only
# the members the jail calls, so that every symbol python3.11 exports is
# there for ctypes.pythonapi and extensions too (Py_BytesMain, Py_Main,
# Py_RunMain and Py_FrozenMain live in members nothing else pulls in).
PY_VAR = $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_config_var("$(1)") or "")')
PY_STATIC_LIBS := -Wl,--whole-archive \
	$(call PY_VAR,LIBPL)/libpython3.11-pic.a -Wl,--no-whole-archive \
	-Xlinker -export-dynamic $(call PY_VAR,MODLIBS) $(call PY_VAR,LIBS) \
	$(call PY_VAR,SYSLIBS)

# The supervisor (build/sandbox) and the jail (build/sandbox-jail): only
# the jail links libpython.
SUP_SRCS := child/main.c child/supervisor.c child/run.c child/export.c \
	child/config.c child/spawn.c child/notify.c child/hostfs.c \
	child/policy.c child/log.c child/vfs.c
JAIL_SRCS := child/jail_main.c child/jail.c child/pyjson.c child/policy.c
CHILD_SRCS := $(sort $(SUP_SRCS) $(JAIL_SRCS))
SUP_OBJS := $(patsubst child/%.c,$(BUILD)/child/%.o,$(SUP_SRCS))
JAIL_OBJS := $(patsubst child/%.c,$(BUILD)/child/%.o,$(JAIL_SRCS))
CHILD_CFLAGS := -Ichild -I$(BUILD)/child $(PROTO_CFLAGS) $(PY_CFLAGS)

$(BUILD)/child/%.o: child/%.c $(wildcard child/*.h) protocol/c/sbproto.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CHILD_CFLAGS) -c -o $@ $<

# The jail's filter, compiled once here rather than at every start
# (child/policy_gen.c); the jail includes it as a C array.
$(BUILD)/child/policy-gen: child/policy_gen.c $(BUILD)/child/policy.o
	$(CC) $(CFLAGS) $(CHILD_CFLAGS) -o $@ $^ $(SECCOMP_LIBS)

$(BUILD)/child/jail_filter.h: $(BUILD)/child/policy-gen
	$< > $@.tmp && mv $@.tmp $@

$(BUILD)/child/jail.o $(BUILD)/san/jail.o: $(BUILD)/child/jail_filter.h

# Whoever needs the child needs its jail and shim beside it.
$(BUILD)/sandbox: $(SUP_OBJS) $(PROTO_OBJ) | $(BUILD)/sandbox-jail \
		$(BUILD)/libsbpreload.so
	$(CC) $(CFLAGS) -o $@ $(SUP_OBJS) $(PROTO_OBJ) $(LDFLAGS) \
		$(PROTO_LIBS) $(SECCOMP_LIBS)

$(BUILD)/sandbox-jail: $(JAIL_OBJS) $(PROTO_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(PROTO_LIBS) $(SECCOMP_LIBS) \
		$(PY_STATIC_LIBS) -lpthread

ALL_TARGETS += $(BUILD)/sandbox $(BUILD)/sandbox-jail
C_SOURCES += $(CHILD_SRCS) child/policy_gen.c $(wildcard child/*.h)

.PHONY: docs-check lint-c-child
docs-check: $(BUILD)/sandbox
	scripts/policy-docs.sh

# Formatting is checked, not applied: `clang-format -i FILE` fixes it.
lint-c-child:
	clang-format --dry-run -Werror $(CHILD_SRCS) child/policy_gen.c \
		$(wildcard child/*.h) \
		preload/preload.c protocol/c/sbproto.c protocol/c/sbproto.h

LINT_TARGETS += docs-check lint-c-child

# The child built with UBSan (ASan's shadow memory cannot live under the
# jail's RLIMIT_AS), run through the whole child test suite.
SAN_FLAGS := -O1 -g -fsanitize=undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
SAN_SUP_OBJS := $(patsubst child/%.c,$(BUILD)/san/%.o,$(SUP_SRCS)) \
	$(BUILD)/san/sbproto.o
SAN_JAIL_OBJS := $(patsubst child/%.c,$(BUILD)/san/%.o,$(JAIL_SRCS)) \
	$(BUILD)/san/sbproto.o

$(BUILD)/san/%.o: child/%.c $(wildcard child/*.h) protocol/c/sbproto.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(CHILD_CFLAGS) -c -o $@ $<

$(BUILD)/san/sbproto.o: protocol/c/sbproto.c protocol/c/sbproto.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(PROTO_CFLAGS) -c -o $@ $<

$(BUILD)/san/sandbox: $(SAN_SUP_OBJS) | $(BUILD)/san/sandbox-jail
	$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LDFLAGS) $(PROTO_LIBS) \
		$(SECCOMP_LIBS)

$(BUILD)/san/sandbox-jail: $(SAN_JAIL_OBJS)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LDFLAGS) $(PROTO_LIBS) \
		$(SECCOMP_LIBS) $(PY_LIBS) -lpthread

$(BUILD)/san/libsbpreload.so: $(BUILD)/libsbpreload.so
	cp $< $@

.PHONY: test-child-ubsan
test-child-ubsan: $(BUILD)/san/sandbox $(BUILD)/san/libsbpreload.so
	PYSANDBOX_CHILD=$(CURDIR)/$(BUILD)/san/sandbox \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		$(PYTEST) tests/child

TEST_TARGETS += test-child-ubsan
