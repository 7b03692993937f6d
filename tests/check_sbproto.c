/* SPDX-License-Identifier: MIT */
/* check_sbproto.c - frames, envelope and base64 of protocol/c. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbproto.h"

static int feed(const char *s, size_t max, struct sbp_reader **r)
{
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], s, strlen(s)), (ssize_t)strlen(s));
	close(p[1]);
	*r = sbp_reader_new(p[0], max);
	ck_assert_ptr_nonnull(*r);
	return p[0];
}

/* Reads until a frame result other than NONE. */
static enum sbp_frame next(struct sbp_reader *r, const char **line, size_t *len)
{
	enum sbp_frame f;

	while ((f = sbp_reader_next(r, line, len)) == SBP_FRAME_NONE)
		ck_assert_int_ge(sbp_reader_fill(r), 0);
	return f;
}

START_TEST(frames_split_on_lf)
{
	struct sbp_reader *r;
	const char *line;
	size_t len;

	feed("{\"a\":1}\n{\"b\":2}\npartial", 64, &r);
	ck_assert_int_eq(next(r, &line, &len), SBP_FRAME_OK);
	ck_assert_str_eq(line, "{\"a\":1}");
	ck_assert_int_eq(next(r, &line, &len), SBP_FRAME_OK);
	ck_assert_uint_eq(len, 7);
	ck_assert_int_eq(next(r, &line, &len), SBP_FRAME_EOF);
	sbp_reader_free(r);
}
END_TEST

START_TEST(oversized_frame_dropped_once)
{
	struct sbp_reader *r;
	const char *line;
	size_t len;
	char big[200];

	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	{
		char input[400];

		snprintf(input, sizeof(input), "%s\n{}\n", big);
		feed(input, 16, &r);
	}
	ck_assert_int_eq(next(r, &line, &len), SBP_FRAME_OVERSIZED);
	ck_assert_int_eq(next(r, &line, &len), SBP_FRAME_OK);
	ck_assert_str_eq(line, "{}");
	ck_assert_int_eq(next(r, &line, &len), SBP_FRAME_EOF);
	sbp_reader_free(r);
}
END_TEST

START_TEST(frame_of_exactly_max)
{
	struct sbp_reader *r;
	const char *line;
	size_t len;

	/* 15 bytes + LF = 16 = max: allowed. */
	feed("123456789012345\n", 16, &r);
	ck_assert_int_eq(next(r, &line, &len), SBP_FRAME_OK);
	ck_assert_uint_eq(len, 15);
	sbp_reader_free(r);
}
END_TEST

/* A reader on a pipe whose write end stays open: the caller writes. */
static struct sbp_reader *open_reader(size_t max, int *wfd)
{
	struct sbp_reader *r;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	*wfd = p[1];
	r = sbp_reader_new(p[0], max);
	ck_assert_ptr_nonnull(r);
	return r;
}

static void put(int fd, const char *s)
{
	ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* What is buffered survives a new limit, whole frames and a frame
 * split across the call alike, consumed bytes before it or not. */
START_TEST(set_max_keeps_buffered_bytes)
{
	const char *line;
	size_t len;
	int w;
	struct sbp_reader *r = open_reader(64, &w);

	put(w, "{\"a\":1}\n{\"b\":2}\n{\"c\":");
	ck_assert_int_gt(sbp_reader_fill(r), 0);
	ck_assert_int_eq(sbp_reader_next(r, &line, &len), SBP_FRAME_OK);
	ck_assert_str_eq(line, "{\"a\":1}");

	/* 13 bytes buffered from an offset of 8: raise, then lower. */
	ck_assert_int_eq(sbp_reader_set_max(r, 4096), 0);
	ck_assert_int_eq(sbp_reader_set_max(r, 16), 0);
	ck_assert_int_eq(sbp_reader_next(r, &line, &len), SBP_FRAME_OK);
	ck_assert_str_eq(line, "{\"b\":2}");

	/* The partial frame, completed after the call. */
	ck_assert_int_eq(sbp_reader_next(r, &line, &len), SBP_FRAME_NONE);
	ck_assert_int_eq(sbp_reader_set_max(r, 32), 0);
	put(w, "3}\n");
	ck_assert_int_gt(sbp_reader_fill(r), 0);
	ck_assert_int_eq(sbp_reader_next(r, &line, &len), SBP_FRAME_OK);
	ck_assert_str_eq(line, "{\"c\":3}");
	ck_assert_uint_eq(len, 7);
	close(w);
	ck_assert_int_eq(next(r, &line, &len), SBP_FRAME_EOF);
	sbp_reader_free(r);
}
END_TEST

/* Below the bytes buffered: refused, and the reader is unchanged. At
 * exactly that many, a partial frame that fills it is oversized. */
START_TEST(set_max_below_buffered)
{
	const char *line;
	size_t len;
	int w;
	struct sbp_reader *r = open_reader(64, &w);

	put(w, "0123456789");
	ck_assert_int_eq(sbp_reader_fill(r), 10);
	ck_assert_int_eq(sbp_reader_next(r, &line, &len), SBP_FRAME_NONE);
	ck_assert_int_eq(sbp_reader_set_max(r, 9), -EINVAL);
	ck_assert_int_eq(sbp_reader_set_max(r, 0), -EINVAL);

	put(w, "\n");
	ck_assert_int_gt(sbp_reader_fill(r), 0);
	ck_assert_int_eq(sbp_reader_next(r, &line, &len), SBP_FRAME_OK);
	ck_assert_str_eq(line, "0123456789");

	put(w, "abcdefgh");
	ck_assert_int_gt(sbp_reader_fill(r), 0);
	ck_assert_int_eq(sbp_reader_next(r, &line, &len), SBP_FRAME_NONE);
	ck_assert_int_eq(sbp_reader_set_max(r, 8), 0);
	ck_assert_int_eq(sbp_reader_next(r, &line, &len), SBP_FRAME_OVERSIZED);
	put(w, "ij\n{}\n");
	close(w);
	ck_assert_int_eq(next(r, &line, &len), SBP_FRAME_OK);
	ck_assert_str_eq(line, "{}");
	ck_assert_int_eq(next(r, &line, &len), SBP_FRAME_EOF);
	sbp_reader_free(r);
}
END_TEST

/* Inside an oversized frame, a new limit goes on dropping it to its LF;
 * the limit applies to frames from then on. */
START_TEST(set_max_while_discarding)
{
	const char *line;
	size_t len;
	int w;
	struct sbp_reader *r = open_reader(8, &w);

	put(w, "xxxxxxxxxxxx");
	ck_assert_int_eq(next(r, &line, &len), SBP_FRAME_OVERSIZED);
	ck_assert_int_eq(sbp_reader_set_max(r, 32), 0);
	put(w, "xx\n0123456789abcdef\n");
	close(w);
	ck_assert_int_eq(next(r, &line, &len), SBP_FRAME_OK);
	ck_assert_str_eq(line, "0123456789abcdef");
	ck_assert_int_eq(next(r, &line, &len), SBP_FRAME_EOF);
	sbp_reader_free(r);
}
END_TEST

static int parse(const char *s, struct sbp_message *m)
{
	return sbp_parse(s, strlen(s), m);
}

START_TEST(parse_kinds)
{
	struct sbp_message m;

	ck_assert_int_eq(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\","
			       "\"params\":{}}",
			       &m),
			 0);
	ck_assert_int_eq(m.kind, SBP_REQUEST);
	ck_assert_str_eq(m.method, "x");
	sbp_message_clear(&m);

	ck_assert_int_eq(parse("{\"jsonrpc\":\"2.0\",\"method\":\"n\"}", &m),
			 0);
	ck_assert_int_eq(m.kind, SBP_NOTIFICATION);
	sbp_message_clear(&m);

	ck_assert_int_eq(parse("{\"jsonrpc\":\"2.0\",\"id\":\"a\","
			       "\"result\":5}",
			       &m),
			 0);
	ck_assert_int_eq(m.kind, SBP_RESPONSE);
	sbp_message_clear(&m);

	ck_assert_int_eq(parse("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":"
			       "{\"code\":-32700,\"message\":\"m\"}}",
			       &m),
			 0);
	ck_assert_int_eq(m.kind, SBP_ERROR_RESPONSE);
	ck_assert_int_eq(m.error_code, SBP_PARSE_ERROR);
	sbp_message_clear(&m);
}
END_TEST

START_TEST(parse_rejects)
{
	static const struct {
		const char *in;
		int code;
	} cases[] = {
		{"", SBP_PARSE_ERROR},
		{"{", SBP_PARSE_ERROR},
		{"{} x", SBP_PARSE_ERROR},
		{"{\"a\":\"\xff\"}", SBP_PARSE_ERROR},
		{"[1]", SBP_INVALID_REQUEST},
		{"{\"jsonrpc\":\"1.0\",\"method\":\"x\"}", SBP_INVALID_REQUEST},
		{"{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"x\"}",
		 SBP_INVALID_REQUEST},
		{"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\\u0000b\"}",
		 SBP_INVALID_REQUEST},
		{"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":3}",
		 SBP_INVALID_REQUEST},
		{"{\"jsonrpc\":\"2.0\",\"id\":1}", SBP_INVALID_REQUEST},
		{"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"error\":{}}",
		 SBP_INVALID_REQUEST},
	};
	struct sbp_message m;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(parse(cases[i].in, &m) == cases[i].code,
			      "case %zu: %s", i, cases[i].in);
		sbp_message_clear(&m);
	}
}
END_TEST

START_TEST(parse_depth_bounded)
{
	char deep[300];
	struct sbp_message m;

	memset(deep, '[', 150);
	memset(deep + 150, ']', 150);
	ck_assert_int_eq(sbp_parse(deep, 300, &m), SBP_PARSE_ERROR);
	sbp_message_clear(&m);
}
END_TEST

START_TEST(base64_round_trip)
{
	struct json_object *s = sbp_b64_new("hello\0world", 11);
	unsigned char *out;
	size_t len;

	ck_assert_str_eq(json_object_get_string(s), "aGVsbG8Ad29ybGQ=");
	ck_assert_int_eq(sbp_b64_decode(s, 100, &out, &len), 0);
	ck_assert_uint_eq(len, 11);
	ck_assert_mem_eq(out, "hello\0world", 11);
	free(out);
	ck_assert_int_eq(sbp_b64_decode(s, 5, &out, &len), -E2BIG);
	json_object_put(s);

	s = json_object_new_string("a$==");
	ck_assert_int_eq(sbp_b64_decode(s, 100, &out, &len), -EINVAL);
	json_object_put(s);
}
END_TEST

START_TEST(write_bounded)
{
	struct json_object *m = sbp_notification("output", NULL);
	int p[2];
	char buf[128];
	ssize_t n;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(sbp_write(p[1], m, 10), -EMSGSIZE);
	ck_assert_int_eq(sbp_write(p[1], m, 128), 0);
	n = read(p[0], buf, sizeof(buf) - 1);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "{\"jsonrpc\":\"2.0\",\"method\":\"output\","
			      "\"params\":{}}\n");
	json_object_put(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sbproto");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, frames_split_on_lf);
	tcase_add_test(tc, oversized_frame_dropped_once);
	tcase_add_test(tc, frame_of_exactly_max);
	tcase_add_test(tc, set_max_keeps_buffered_bytes);
	tcase_add_test(tc, set_max_below_buffered);
	tcase_add_test(tc, set_max_while_discarding);
	tcase_add_test(tc, parse_kinds);
	tcase_add_test(tc, parse_rejects);
	tcase_add_test(tc, parse_depth_bounded);
	tcase_add_test(tc, base64_round_trip);
	tcase_add_test(tc, write_bounded);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
