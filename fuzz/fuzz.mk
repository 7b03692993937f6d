# fuzz/: libFuzzer targets under ASan + UBSan (Debian's clang 14 and
# libclang-rt-14-dev, both in scripts/deps.sh).
#
#   make fuzz              every target for FUZZ_SECONDS (default 300) each
#   make fuzz-smoke        every target for FUZZ_SMOKE_SECONDS (10) each;
#                          part of test-security, so of make test
#   make fuzz-runs         every target until FUZZ_RUNS (10 million)
#                          executions each, one after the other (issue 8's
#                          acceptance; fuzz_frames alone takes about 40
#                          minutes here): run it niced, not in a loop
#
# Targets: fuzz_frames (protocol/c/sbproto.c: frame reader + JSON-RPC
# parser), fuzz_normalize (child/vfs.c: vfs_normalize) and fuzz_config
# (child/config.c: config_parse, the initialize params).  Each starts
# from its seeds in fuzz/corpus/<name>/ and grows a working corpus in
# build/fuzz/corpus-<name>/; a crash leaves its input in build/fuzz/ and
# fails the target.  Each run's last libFuzzer lines (executions, speed)
# are kept in build/fuzz/<name>.log (fuzz/run.sh).  fuzz/<name>.dict, when
# present, is the target's libFuzzer dictionary.  The long runs and their
# numbers: fuzz/RUNS.md.

FUZZ_CC := clang
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE $(WARN) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_RUNS ?= 10000000
FUZZ_NAMES := frames normalize config
FUZZ_BINS := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)

$(BUILD)/fuzz/fuzz_frames: fuzz/fuzz_frames.c $(PROTO_SRC) protocol/c/sbproto.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(PROTO_CFLAGS) -o $@ fuzz/fuzz_frames.c \
		$(PROTO_SRC) $(PROTO_LIBS)

$(BUILD)/fuzz/fuzz_normalize: fuzz/fuzz_normalize.c child/vfs.c child/vfs.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Ichild -o $@ fuzz/fuzz_normalize.c child/vfs.c

$(BUILD)/fuzz/fuzz_config: fuzz/fuzz_config.c child/config.c child/vfs.c \
		$(wildcard child/*.h) $(PROTO_SRC) protocol/c/sbproto.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Ichild $(PROTO_CFLAGS) -o $@ \
		fuzz/fuzz_config.c child/config.c child/vfs.c $(PROTO_SRC) \
		$(PROTO_LIBS)

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-runs
fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	for n in $(FUZZ_NAMES); do fuzz/run.sh $(BUILD) $$n $(FUZZ_SECONDS) || exit 1; done

fuzz-smoke: $(FUZZ_BINS)
	for n in $(FUZZ_NAMES); do fuzz/run.sh $(BUILD) $$n $(FUZZ_SMOKE_SECONDS) || exit 1; done

fuzz-runs: $(FUZZ_BINS)
	for n in $(FUZZ_NAMES); do \
		fuzz/run.sh $(BUILD) $$n 0 $(FUZZ_RUNS) || exit 1; done
