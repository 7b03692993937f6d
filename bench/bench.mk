# bench: `make bench` measures the sandbox against bare references (issue
# 9) and writes build/bench.json; docs/performance.md records the results.
# It is not part of `make test`: bench-smoke, which is, runs the same
# harness with tiny counts only to prove that every measurement still runs.

BENCH_BUILD := $(BUILD)/bench
BENCH_BINS  := $(BENCH_BUILD)/unotify_rtt $(BENCH_BUILD)/pipe_peer \
	       $(BENCH_BUILD)/bench_c $(BENCH_BUILD)/embedpy \
	       $(BENCH_BUILD)/syscall_cost
BENCH_DEPS  := $(BENCH_BINS) $(BUILD)/sandbox $(BUILD)/libsbpreload.so \
	       $(BUILD)/pysandbox
BENCH_PY    := bench/run.py bench/workloads

$(BENCH_BUILD)/unotify_rtt: bench/unotify_rtt.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) $(SECCOMP_LIBS)

$(BENCH_BUILD)/syscall_cost: bench/syscall_cost.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(BENCH_BUILD)/pipe_peer: bench/pipe_peer.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(JSONC_CFLAGS) -o $@ $< $(LDFLAGS) $(JSONC_LIBS)

$(BENCH_BUILD)/bench_c: bench/bench_c.c $(C_STATIC) $(C_DIR)/pysandbox.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(C_CFLAGS) -o $@ $< $(C_STATIC) $(LDFLAGS) $(C_LIBS)

# Built like the child's embedding of CPython (child/child.mk's flags).
$(BENCH_BUILD)/embedpy: bench/embedpy.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(shell $(PYCONFIG) --includes) -o $@ $< $(LDFLAGS) \
		$(shell $(PYCONFIG) --ldflags --embed)

ALL_TARGETS += $(BENCH_BINS)

.PHONY: bench bench-smoke lint-bench
bench: $(BENCH_DEPS)
	$(PYTHON) -B bench/run.py

bench-smoke: $(BENCH_DEPS)
	timeout 60 $(PYTHON) -B bench/run.py --quick --out $(BUILD)/bench-smoke.json

lint-bench:
	clang-format --dry-run -Werror bench/*.c
	pyflakes3 $(BENCH_PY)
	node --check bench/hostcall.mjs
	php -l bench/hostcall.php >/dev/null

TEST_TARGETS += bench-smoke
LINT_TARGETS += lint-bench
