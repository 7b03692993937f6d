# tests/vfs.mk: unit tests of the child's virtual filesystem (child/vfs.c).

VFS_TEST := $(BUILD)/tests/check_vfs
VFS_SRC := child/vfs.c child/vfs.h tests/check_vfs.c

$(VFS_TEST): $(VFS_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -Ichild -o $@ child/vfs.c \
		tests/check_vfs.c $(LDFLAGS) $(CHECK_LIBS)

# Check's fork mode runs every test in its own process; the whole suite
# takes a few seconds, the timeout only guards against a hang.
.PHONY: test-vfs lint-vfs
test-vfs: $(VFS_TEST)
	timeout 300 $(VFS_TEST)

lint-vfs:
	clang-format --dry-run --Werror $(filter %.c %.h,$(VFS_SRC))

ALL_TARGETS += $(VFS_TEST)
TEST_TARGETS += test-vfs
LINT_TARGETS += lint-vfs
