/* SPDX-License-Identifier: MIT */
/* main.c - pysandbox run: one session, one run, an exit status. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_fail(const struct cli *c, int status, const char *fmt, ...)
{
	struct json_object *obj, *err;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "pysandbox: %s\n", msg);
	if (!c->json)
		return status;

	obj = json_object_new_object();
	err = json_object_new_object();
	json_object_object_add(err, "message", json_object_new_string(msg));
	json_object_object_add(obj, "status", json_object_new_int(status));
	json_object_object_add(obj, "error", err);
	puts(json_object_to_json_string_ext(
		obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
	return status;
}

static int load_script(struct cli *c)
{
	unsigned int mode;
	char *data, *copy;
	size_t len;
	int ret = cli_note_entry(c, "", c->script);

	if (!ret)
		ret = cli_read_host_file(c, c->script, &data, &len, &mode);
	if (ret)
		return ret;

	/* The code sees the script at /sandbox/NAME, as Python would see a
	 * script in its directory. */
	copy = strdup(c->script);
	if (!copy || asprintf(&c->target, "/sandbox/%s", basename(copy)) < 0)
		c->target = NULL;
	free(copy);
	ret = c->target ? pysandbox_options_add_file(c->o, c->target, data, len,
						     mode | 0444)
			: -ENOMEM;
	free(data);
	if (ret)
		return cli_fail(c, ST_UNREADABLE, "script '%s': %s", c->script,
				pysandbox_options_errmsg(c->o));
	return 0;
}

static int set_argv(struct cli *c)
{
	const char **argv = calloc((size_t)c->nargs + 1, sizeof(*argv));
	int ret;

	if (!argv)
		return cli_fail(c, ST_PROTOCOL, "out of memory");
	argv[0] = c->code ? "-c" : c->script;
	memcpy(argv + 1, c->args, (size_t)c->nargs * sizeof(*argv));
	ret = pysandbox_options_set_argv(c->o, c->nargs + 1, argv);
	free(argv);
	return ret ? cli_fail(c, ST_BAD_VALUE, "argv: %s",
			      pysandbox_options_errmsg(c->o))
		   : 0;
}

/* Raises the frame limit to fit the execute request (stdin grows by a
 * third in base64) unless --frame was given. */
static void fit_frame(struct cli *c)
{
	size_t code = c->code ? strlen(c->code) : 0;
	size_t need = c->stdin_len / 3 * 4 + 6 * code + 65536;

	if (c->frame_set || need <= 4 * 1024 * 1024)
		return;
	if (need > 64 * 1024 * 1024)
		need = 64 * 1024 * 1024;
	pysandbox_options_set_limit(c->o, PYSANDBOX_LIMIT_FRAME_BYTES,
				    (int64_t)need);
}

/* A terminal gives no stdin: the code would wait for input it cannot
 * ask for, since stdin is sent before the run starts. */
static int load_stdin(struct cli *c)
{
	int ret;

	if (isatty(STDIN_FILENO))
		return 0;
	ret = cli_read_fd(STDIN_FILENO, CLI_STDIN_MAX, &c->stdin_data,
			  &c->stdin_len);
	if (ret == -E2BIG)
		return cli_fail(
			c, ST_UNREADABLE,
			"stdin is larger than %d bytes, the most the sandbox accepts",
			CLI_STDIN_MAX);
	if (ret == -EBADF) {
		c->stdin_len = 0;
		return 0;
	}
	if (ret)
		return cli_fail(c, ST_UNREADABLE, "cannot read stdin: %s",
				strerror(-ret));
	return 0;
}

int cli_load_inputs(struct cli *c)
{
	int ret = c->script ? load_script(c) : 0;

	if (!ret)
		ret = set_argv(c);
	if (!ret)
		ret = load_stdin(c);
	if (!ret)
		fit_frame(c);
	return ret;
}

/* Started with fd 0, 1 or 2 closed, the first pipe or file the CLI opens
 * would take that number, and a message meant for stderr, or the child's
 * diagnostics (diag.c swaps fd 2), would land in it: fill them first. */
static int open_standard_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= STDERR_FILENO)
		;
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct cli c = {0};
	int ret;

	if (open_standard_fds() < 0)
		return ST_PROTOCOL;
	c.o = pysandbox_options_new();
	if (!c.o) {
		fputs("pysandbox: out of memory\n", stderr);
		return ST_PROTOCOL;
	}

	ret = cli_parse(&c, argc, argv);
	if (!ret)
		ret = cli_load_inputs(&c);
	if (!ret)
		ret = cli_run(&c);

	pysandbox_options_free(c.o);
	free(c.target);
	free(c.stdin_data);
	while (c.nentries > 0)
		free(c.entries[--c.nentries]);
	free(c.entries);
	return ret < 0 ? 0 : ret;
}
