# protocol/: the shared C protocol library (frames, JSON-RPC envelope,
# error registry, base64) used by the child, the C parent and the mock
# child; and the spec's own checks (spec.mk).

PROTO_SRC := protocol/c/sbproto.c
PROTO_OBJ := $(BUILD)/protocol/sbproto.o
PROTO_CFLAGS := -Iprotocol/c $(JSONC_CFLAGS)
PROTO_LIBS := $(JSONC_LIBS) -lsodium

$(PROTO_OBJ): $(PROTO_SRC) protocol/c/sbproto.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PROTO_CFLAGS) -c -o $@ $<

ALL_TARGETS += $(PROTO_OBJ)

-include protocol/spec.mk

$(BUILD)/tests/check_sbproto: tests/check_sbproto.c $(PROTO_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PROTO_CFLAGS) $(CHECK_CFLAGS) -o $@ $^ \
		$(PROTO_LIBS) $(CHECK_LIBS)

.PHONY: test-sbproto
test-sbproto: $(BUILD)/tests/check_sbproto
	$<

ALL_TARGETS += $(BUILD)/tests/check_sbproto
TEST_TARGETS += test-sbproto
