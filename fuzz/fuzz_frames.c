// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the protocol's frame reader and JSON-RPC parser
 * (protocol/c/sbproto.c), as the child runs them on every byte a parent
 * or the jail sends.
 *
 * Input: byte 0 picks the frame limit (16..4111 bytes), byte 1 the size
 * of the writes the bytes arrive in (1..256), so frames split across
 * reads and oversized frames are both reached; the rest is the stream.
 * Each complete frame goes through sbp_parse().  Checked: a frame is
 * NUL-terminated at its length, holds no LF, fits the limit; a parsed
 * message has the members its kind promises.
 */
#include "sbproto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(int rc, const struct sbp_message *m)
{
	if (rc != 0)
		return;
	if (!m->root)
		abort();
	switch (m->kind) {
	case SBP_REQUEST:
		if (!m->method || !m->id)
			abort();
		break;
	case SBP_NOTIFICATION:
		if (!m->method || m->id)
			abort();
		break;
	case SBP_RESPONSE:
		if (!m->id)
			abort();
		break;
	case SBP_ERROR_RESPONSE:
		if (!m->error_message)
			abort();
		break;
	}
}

static void drain(struct sbp_reader *r, size_t max)
{
	struct sbp_message m;
	const char *line;
	size_t len;
	int rc;

	while (sbp_reader_next(r, &line, &len) == SBP_FRAME_OK) {
		if (len + 1 > max || line[len] != '\0' ||
		    memchr(line, '\n', len))
			abort();
		memset(&m, 0, sizeof(m));
		rc = sbp_parse(line, len, &m);
		check_message(rc, &m);
		sbp_message_clear(&m);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbp_reader *r;
	size_t max, step, off;
	int p[2];

	if (size < 2 || size > 60000)
		return 0;
	max = 16 + (size_t)data[0] * 16;
	step = 1 + data[1];
	data += 2;
	size -= 2;

	/* A pipe holds 64 KiB, more than any input: writes never block. */
	if (pipe2(p, O_NONBLOCK) < 0)
		abort();
	r = sbp_reader_new(p[0], max);
	if (!r)
		abort();
	for (off = 0; off < size; off += step) {
		size_t n = size - off < step ? size - off : step;

		if (write(p[1], data + off, n) != (ssize_t)n)
			abort();
		if (sbp_reader_fill(r) <= 0)
			abort();
		drain(r, max);
	}
	close(p[1]);
	while (sbp_reader_fill(r) > 0)
		drain(r, max);
	drain(r, max);
	sbp_reader_free(r);
	close(p[0]);
	return 0;
}
