/* SPDX-License-Identifier: MIT */
/* common.c - helpers shared by the CLI and the conformance driver. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Length of the valid UTF-8 sequence at P (at most N bytes), 0 if
 * invalid (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	len = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* Output as a JSON string, invalid UTF-8 replaced by U+FFFD. */
struct json_object *cli_text(const void *data, size_t n)
{
	const unsigned char *p = data;
	struct json_object *s;
	char *buf = malloc(n * 3 + 1), *q = buf;
	size_t i = 0, k;

	if (!buf)
		return NULL;
	while (i < n) {
		k = utf8_len(p + i, n - i);
		if (k) {
			memcpy(q, p + i, k);
			q += k;
			i += k;
		} else {
			memcpy(q, "\xef\xbf\xbd", 3);
			q += 3;
			i++;
		}
	}
	s = json_object_new_string_len(buf, (int)(q - buf));
	free(buf);
	return s;
}

void cli_write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

int cli_read_fd(int fd, size_t max, char **buf, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *p = malloc(cap + 1), *grown;
	ssize_t r;

	while (p) {
		r = read(fd, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n > max) {
			free(p);
			return -E2BIG;
		}
		if (n == cap) {
			cap *= 2;
			grown = realloc(p, cap + 1);
			if (!grown)
				free(p);
			p = grown;
		}
	}
	if (!p || r < 0) {
		free(p);
		return p ? -errno : -ENOMEM;
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	return 0;
}
