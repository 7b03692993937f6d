# child/: build/sandbox, the supervisor and (re-executed) the jail.

PY_CFLAGS := $(shell $(PYCONFIG) --includes)
PY_LIBS   := $(shell $(PYCONFIG) --embed --ldflags)

CHILD_SRCS := child/main.c child/supervisor.c child/run.c child/export.c \
	child/config.c child/spawn.c child/notify.c child/hostfs.c \
	child/policy.c \
	child/jail.c child/pyjson.c child/log.c child/vfs.c
CHILD_OBJS := $(patsubst child/%.c,$(BUILD)/child/%.o,$(CHILD_SRCS))
CHILD_CFLAGS := -Ichild $(PROTO_CFLAGS) $(PY_CFLAGS)

$(BUILD)/child/%.o: child/%.c $(wildcard child/*.h) protocol/c/sbproto.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CHILD_CFLAGS) -c -o $@ $<

$(BUILD)/sandbox: $(CHILD_OBJS) $(PROTO_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(PROTO_LIBS) $(SECCOMP_LIBS) \
		$(PY_LIBS) -lpthread

ALL_TARGETS += $(BUILD)/sandbox
C_SOURCES += $(CHILD_SRCS) $(wildcard child/*.h)

.PHONY: docs-check lint-c-child
docs-check: $(BUILD)/sandbox
	scripts/policy-docs.sh

# Formatting is checked, not applied: `clang-format -i FILE` fixes it.
lint-c-child:
	clang-format --dry-run -Werror $(CHILD_SRCS) $(wildcard child/*.h) \
		preload/preload.c protocol/c/sbproto.c protocol/c/sbproto.h

LINT_TARGETS += docs-check lint-c-child

# The child built with UBSan (ASan's shadow memory cannot live under the
# jail's RLIMIT_AS), run through the whole child test suite.
SAN_FLAGS := -O1 -g -fsanitize=undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
SAN_OBJS := $(patsubst child/%.c,$(BUILD)/san/%.o,$(CHILD_SRCS)) \
	$(BUILD)/san/sbproto.o

$(BUILD)/san/%.o: child/%.c $(wildcard child/*.h) protocol/c/sbproto.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(CHILD_CFLAGS) -c -o $@ $<

$(BUILD)/san/sbproto.o: protocol/c/sbproto.c protocol/c/sbproto.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(PROTO_CFLAGS) -c -o $@ $<

$(BUILD)/san/sandbox: $(SAN_OBJS)
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
