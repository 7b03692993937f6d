// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the VFS path normalizer (child/vfs.c
 * vfs_normalize), which turns every path the jail names into the one the
 * mount table is searched with.  A wrong answer here is a path escape.
 *
 * Input: "CWD\0PATH" (no NUL: PATH alone, no working directory).
 * Checked on success: the result is absolute, has no empty, "." or ".."
 * component and no trailing "/", every component fits NAME_MAX, the whole
 * fits PATH_MAX, normalizing it again changes nothing, and an absolute
 * PATH gives the same result whatever the working directory.
 */
#include "vfs.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_shape(const char *out)
{
	const char *p = out;
	size_t n;

	if (out[0] != '/' || strlen(out) >= PATH_MAX)
		abort();
	if (strcmp(out, "/") == 0)
		return;
	while (*p == '/') {
		p++;
		n = strcspn(p, "/");
		if (n == 0 || n > NAME_MAX || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			abort();
		p += n;
	}
	if (*p)
		abort();
}

static void check(const char *cwd, const char *path)
{
	static char out[PATH_MAX], again[PATH_MAX], other[PATH_MAX];
	int r = vfs_normalize(cwd, path, out);

	if (r != 0) {
		if (r != -EINVAL && r != -ENOENT && r != -ENAMETOOLONG)
			abort();
		return;
	}
	check_shape(out);
	if (vfs_normalize(NULL, out, again) != 0 || strcmp(out, again) != 0)
		abort();
	if (path[0] == '/' && (vfs_normalize("/elsewhere", path, other) != 0 ||
			       strcmp(out, other) != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	char *nul;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	nul = memchr(buf, '\0', size);
	if (nul && nul < buf + size)
		check(buf, nul + 1);
	else
		check(NULL, buf);
	free(buf);
	return 0;
}
