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
