/* SPDX-License-Identifier: MIT */
/* args.c - the pysandbox command line, parsed with getopt_long. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "sbproto.h"

/* The whole initialize request must fit in the protocol's first frame,
 * so no inline file can be larger. */
#define INLINE_MAX (1024 * 1024)

enum opt {
	OPT_MEMORY = 256,
	OPT_CPU,
	OPT_WALL,
	OPT_OUTPUT,
	OPT_OPEN_FILES,
	OPT_THREADS,
	OPT_FRAME,
	OPT_HOST_CALL,
	OPT_FILE_SIZE,
	OPT_BIND,
	OPT_BIND_INCLUDE,
	OPT_BIND_EXCLUDE,
	OPT_FILE,
	OPT_TMPFS,
	OPT_NO_DEFAULTS,
	OPT_ENV,
	OPT_CWD,
	OPT_CHILD,
	OPT_JSON,
};

static const struct option longopts[] = {
	{"memory", required_argument, NULL, OPT_MEMORY},
	{"cpu", required_argument, NULL, OPT_CPU},
	{"wall", required_argument, NULL, OPT_WALL},
	{"output", required_argument, NULL, OPT_OUTPUT},
	{"open-files", required_argument, NULL, OPT_OPEN_FILES},
	{"threads", required_argument, NULL, OPT_THREADS},
	{"frame", required_argument, NULL, OPT_FRAME},
	{"host-call", required_argument, NULL, OPT_HOST_CALL},
	{"file-size", required_argument, NULL, OPT_FILE_SIZE},
	{"bind", required_argument, NULL, OPT_BIND},
	{"bind-include", required_argument, NULL, OPT_BIND_INCLUDE},
	{"bind-exclude", required_argument, NULL, OPT_BIND_EXCLUDE},
	{"file", required_argument, NULL, OPT_FILE},
	{"tmpfs", required_argument, NULL, OPT_TMPFS},
	{"no-defaults", no_argument, NULL, OPT_NO_DEFAULTS},
	{"env", required_argument, NULL, OPT_ENV},
	{"cwd", required_argument, NULL, OPT_CWD},
	{"child", required_argument, NULL, OPT_CHILD},
	{"json", no_argument, NULL, OPT_JSON},
	{"code", required_argument, NULL, 'c'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

enum unit { SIZE, DURATION, COUNT };

/* The ranges are the child's (protocol/schema/defs.json, Limits); they
 * only word the message for a 0 the library refuses, since the child
 * checks every value itself. */
static const struct {
	int opt;
	enum pysandbox_limit limit;
	enum unit unit;
	const char *range;
} limit_opts[] = {
	{OPT_MEMORY, PYSANDBOX_LIMIT_MEMORY_BYTES, SIZE, "32M..1024G"},
	{OPT_CPU, PYSANDBOX_LIMIT_CPU_MS, DURATION, "1ms..24h"},
	{OPT_WALL, PYSANDBOX_LIMIT_WALL_MS, DURATION, "1ms..24h"},
	{OPT_OUTPUT, PYSANDBOX_LIMIT_OUTPUT_BYTES, SIZE, "0..1G"},
	{OPT_OPEN_FILES, PYSANDBOX_LIMIT_OPEN_FILES, COUNT, "16..65536"},
	{OPT_THREADS, PYSANDBOX_LIMIT_THREADS, COUNT, "1..1024"},
	{OPT_FRAME, PYSANDBOX_LIMIT_FRAME_BYTES, SIZE, "64K..64M"},
	{OPT_HOST_CALL, PYSANDBOX_LIMIT_HOST_CALL_BYTES, SIZE, "1K..64M"},
	{OPT_FILE_SIZE, PYSANDBOX_LIMIT_FILE_BYTES, SIZE, "0..1024G"},
};

static const char usage[] =
	"usage: pysandbox run [OPTIONS] FILE [ARGS...]\n"
	"       pysandbox run [OPTIONS] -c CODE [ARGS...]\n"
	"\n"
	"Runs Python code in python-sandbox. Sizes take K, M or G (1024-based);\n"
	"durations take ms, s or m (seconds without a unit).\n"
	"\n"
	"Limits:\n"
	"  --memory SIZE        address space of the code\n"
	"  --cpu DURATION       CPU time per run\n"
	"  --wall DURATION      wall-clock time per run\n"
	"  --output SIZE        stdout plus stderr per run\n"
	"  --open-files N       open file descriptors\n"
	"  --threads N          threads\n"
	"  --frame SIZE         protocol frame size\n"
	"  --host-call SIZE     one host-call request or answer\n"
	"  --file-size SIZE     largest file the code may write\n"
	"Filesystem:\n"
	"  --bind HOST:SANDBOX  read-only host directory or file\n"
	"  --bind-include GLOB  only paths matching GLOB in the previous --bind\n"
	"  --bind-exclude GLOB  hide paths matching GLOB in the previous --bind\n"
	"  --file HOST:SANDBOX  copy of a host file (at most 1 MiB)\n"
	"  --tmpfs SANDBOX[:SIZE[:FILES]]  writable in-memory directory\n"
	"  --no-defaults        no default layout (stdlib, /tmp, /dev/null...)\n"
	"Program:\n"
	"  -c, --code CODE      run CODE instead of FILE\n"
	"  --env NAME=VALUE     environment variable (replaces the default set)\n"
	"  --cwd PATH           working directory in the sandbox\n"
	"  --child PATH         sandbox binary (default: $PYSANDBOX_CHILD, then\n"
	"                       the installed one)\n"
	"Output:\n"
	"  --json               print one JSON object with the result and output\n"
	"  -v, --verbose        more child diagnostics on stderr (repeatable)\n"
	"  -h, --help           this help\n"
	"  -V, --version        version\n"
	"\n"
	"Exit status: the program's own for sys.exit(), 0 for success, 1 for an\n"
	"uncaught exception, 124 timeout, 113 cpu, 114 memory, 115 output,\n"
	"116 violation, 117 crash, 118 cancelled, 120-123 and 125 bad input,\n"
	"126 child could not start, 127 protocol failure (see docs/cli.md).\n";

/* Digits, then an optional unit from UNITS (name, factor); the empty
 * unit name is the default. -1 when malformed or out of range. */
static int64_t parse_number(const char *s, const char *const *names,
			    const int64_t *factors, size_t nunits)
{
	uint64_t v;
	char *end;
	size_t i;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;

	for (i = 0; i < nunits; i++) {
		if (strcasecmp(end, names[i]) != 0)
			continue;
		if (v > (uint64_t)INT64_MAX / (uint64_t)factors[i])
			return -1;
		return (int64_t)v * factors[i];
	}
	return -1;
}

static int64_t parse_value(const char *s, enum unit unit)
{
	static const char *const sizes[] = {"", "K", "M", "G"};
	static const int64_t size_f[] = {1, 1 << 10, 1 << 20, 1 << 30};
	static const char *const times[] = {"", "ms", "s", "m"};
	static const int64_t time_f[] = {1000, 1, 1000, 60000};
	static const char *const none[] = {""};
	static const int64_t one[] = {1};

	if (unit == SIZE)
		return parse_number(s, sizes, size_f, 4);
	if (unit == DURATION)
		return parse_number(s, times, time_f, 4);
	return parse_number(s, none, one, 1);
}

static const char *opt_name(int opt)
{
	size_t i;

	for (i = 0; longopts[i].name; i++)
		if (longopts[i].val == opt)
			return longopts[i].name;
	return "?";
}

static int set_limit(struct cli *c, int opt, const char *arg)
{
	static const char *const hint[] = {
		[SIZE] = "a number with an optional K, M or G",
		[DURATION] = "a number with ms, s or m",
		[COUNT] = "a positive whole number",
	};
	size_t i;
	int64_t v;

	for (i = 0; limit_opts[i].opt != opt; i++)
		;
	v = parse_value(arg, limit_opts[i].unit);
	if (v < 0)
		return cli_fail(c, ST_BAD_VALUE,
				"invalid value '%s' for --%s (expected %s)",
				arg, opt_name(opt), hint[limit_opts[i].unit]);

	/* The library knows which limits may be 0 (--output, --file-size). */
	if (pysandbox_options_set_limit(c->o, limit_opts[i].limit, v) == 0) {
		c->frame_set |= opt == OPT_FRAME;
		return 0;
	}
	if (v == 0)
		return cli_fail(c, ST_BAD_VALUE,
				"invalid value '%s' for --%s (out of range %s)",
				arg, opt_name(opt), limit_opts[i].range);
	return cli_fail(c, ST_BAD_VALUE, "--%s: %s", opt_name(opt),
			pysandbox_options_errmsg(c->o));
}

const char *cli_limit_option(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(limit_opts) / sizeof(limit_opts[0]); i++)
		if (!strcmp(pysandbox_limit_name(limit_opts[i].limit), name))
			return opt_name(limit_opts[i].opt);
	return NULL;
}

int cli_note_entry(struct cli *c, const char *opt, const char *arg)
{
	char **grown =
		realloc(c->entries, (c->nentries + 1) * sizeof(c->entries[0]));

	if (!grown)
		return cli_fail(c, ST_PROTOCOL, "out of memory");
	c->entries = grown;
	if (asprintf(&c->entries[c->nentries], "%s%s%s", opt, *opt ? " " : "",
		     arg) < 0)
		return cli_fail(c, ST_PROTOCOL, "out of memory");
	c->nentries++;
	return 0;
}

/* HOST:SANDBOX, split at the last ":/" since host paths may hold ':'
 * and sandbox paths are absolute. */
static int split_pair(struct cli *c, int opt, char *arg, char **host)
{
	char *sep = NULL, *p;

	for (p = strchr(arg, ':'); p; p = strchr(p + 1, ':'))
		if (p[1] == '/')
			sep = p;
	if (!sep || sep == arg)
		return cli_fail(
			c, ST_BAD_VALUE,
			"invalid value '%s' for --%s (expected HOST:SANDBOX with an absolute SANDBOX path)",
			arg, opt_name(opt));
	*sep = '\0';
	*host = arg;
	return 0;
}

static int add_bind(struct cli *c, char *arg)
{
	char *host, *real;
	int ret = cli_note_entry(c, "--bind", arg);

	if (!ret)
		ret = split_pair(c, OPT_BIND, arg, &host);
	if (ret)
		return ret;
	real = realpath(host, NULL);
	if (!real && errno == ENOENT)
		return cli_fail(c, ST_BIND_SOURCE,
				"bind source '%s' does not exist", host);
	if (!real)
		return cli_fail(c, ST_BIND_SOURCE, "bind source '%s': %s", host,
				strerror(errno));

	ret = pysandbox_options_add_bind(c->o, real, host + strlen(host) + 1);
	free(real);
	if (ret)
		return cli_fail(c, ST_BAD_VALUE, "--bind: %s",
				pysandbox_options_errmsg(c->o));
	return 0;
}

static int add_glob(struct cli *c, int opt, const char *glob)
{
	int ret = opt == OPT_BIND_INCLUDE
			  ? pysandbox_options_bind_include(c->o, glob)
			  : pysandbox_options_bind_exclude(c->o, glob);

	if (ret)
		return cli_fail(c, ST_USAGE, "--%s: %s", opt_name(opt),
				pysandbox_options_errmsg(c->o));
	return 0;
}

/* Reads host file PATH for an inline entry; an exit status on error. */
int cli_read_host_file(struct cli *c, const char *path, char **buf, size_t *len,
		       unsigned int *mode)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	int ret;

	if (fd < 0 && errno == ENOENT)
		return cli_fail(c, ST_NO_FILE, "file '%s' does not exist",
				path);
	if (fd < 0)
		return cli_fail(c, ST_UNREADABLE, "cannot read '%s': %s", path,
				strerror(errno));
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		return cli_fail(c, ST_UNREADABLE,
				"cannot read '%s': not a regular file", path);
	}

	ret = cli_read_fd(fd, INLINE_MAX, buf, len);
	close(fd);
	*mode = st.st_mode & 0755;
	if (ret == -E2BIG)
		return cli_fail(
			c, ST_UNREADABLE,
			"'%s' is larger than %d bytes; use --bind for large files",
			path, INLINE_MAX);
	if (ret)
		return cli_fail(c, ST_UNREADABLE, "cannot read '%s': %s", path,
				strerror(-ret));
	return 0;
}

static int add_file(struct cli *c, char *arg)
{
	unsigned int mode;
	char *host, *data;
	size_t len;
	int ret = cli_note_entry(c, "--file", arg);

	if (!ret)
		ret = split_pair(c, OPT_FILE, arg, &host);
	if (!ret)
		ret = cli_read_host_file(c, host, &data, &len, &mode);
	if (ret)
		return ret;

	ret = pysandbox_options_add_file(c->o, host + strlen(host) + 1, data,
					 len, mode);
	free(data);
	if (ret)
		return cli_fail(c, ST_BAD_VALUE, "--file: %s",
				pysandbox_options_errmsg(c->o));
	return 0;
}

static int add_tmpfs(struct cli *c, char *arg)
{
	char *size = strchr(arg, ':'), *files = NULL;
	int64_t bytes = 0, count = 0;

	if (cli_note_entry(c, "--tmpfs", arg) != 0)
		return ST_PROTOCOL;
	if (size) {
		*size++ = '\0';
		files = strchr(size, ':');
	}
	if (files)
		*files++ = '\0';
	if (size && (bytes = parse_value(size, SIZE)) <= 0)
		return cli_fail(c, ST_BAD_VALUE,
				"invalid size '%s' for --tmpfs %s", size, arg);
	if (files && (count = parse_value(files, COUNT)) <= 0)
		return cli_fail(c, ST_BAD_VALUE,
				"invalid file count '%s' for --tmpfs %s", files,
				arg);

	if (pysandbox_options_add_tmpfs(c->o, arg, bytes, count) != 0)
		return cli_fail(c, ST_BAD_VALUE, "--tmpfs: %s",
				pysandbox_options_errmsg(c->o));
	return 0;
}

static int set_env(struct cli *c, char *arg)
{
	char *eq = strchr(arg, '=');

	if (!eq || eq == arg)
		return cli_fail(
			c, ST_BAD_VALUE,
			"invalid value '%s' for --env (expected NAME=VALUE)",
			arg);
	*eq = '\0';
	if (pysandbox_options_set_env(c->o, arg, eq + 1) != 0)
		return cli_fail(c, ST_BAD_VALUE, "--env: %s",
				pysandbox_options_errmsg(c->o));
	return 0;
}

static int set_path_option(struct cli *c, int opt, const char *arg)
{
	int ret = opt == OPT_CWD ? pysandbox_options_set_cwd(c->o, arg)
				 : pysandbox_options_set_child(c->o, arg);

	if (opt == OPT_CWD)
		c->cwd = arg;
	if (ret)
		return cli_fail(c, ST_BAD_VALUE, "--%s: %s", opt_name(opt),
				pysandbox_options_errmsg(c->o));
	return 0;
}

static int option(struct cli *c, int opt, char *arg)
{
	if (opt >= OPT_MEMORY && opt <= OPT_FILE_SIZE)
		return set_limit(c, opt, arg);

	switch (opt) {
	case OPT_BIND:
		return add_bind(c, arg);
	case OPT_BIND_INCLUDE:
	case OPT_BIND_EXCLUDE:
		return add_glob(c, opt, arg);
	case OPT_FILE:
		return add_file(c, arg);
	case OPT_TMPFS:
		return add_tmpfs(c, arg);
	case OPT_NO_DEFAULTS:
		return pysandbox_options_set_defaults(c->o, false);
	case OPT_ENV:
		return set_env(c, arg);
	case OPT_CWD:
	case OPT_CHILD:
		return set_path_option(c, opt, arg);
	case OPT_JSON:
		c->json = true;
		return 0;
	case 'c':
		c->code = arg;
		return 0;
	case 'v':
		if (c->verbosity == 3)
			return cli_fail(
				c, ST_USAGE,
				"-v given more than 3 times (3 is the most verbose)");
		c->verbosity++;
		return 0;
	}
	return ST_USAGE;
}

static int bad_option(struct cli *c, int opt, char **argv)
{
	const char *word = argv[optind - 1];

	if (opt == ':')
		return cli_fail(c, ST_USAGE, "option '%s' needs a value", word);
	if (optopt && optopt < 256 && word[0] == '-' && word[1] != '-')
		return cli_fail(c, ST_USAGE, "unknown option '-%c'", optopt);
	return cli_fail(c, ST_USAGE, "unknown option '%s'", word);
}

/* The first argument is the command: "run", or --help / --version. */
static int command(struct cli *c, int argc, char **argv)
{
	if (argc < 2)
		return cli_fail(c, ST_USAGE,
				"missing command (try 'pysandbox --help')");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, stdout);
		return -1;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("pysandbox %s (protocol %s)\n", PYSANDBOX_CLI_VERSION,
		       SBP_VERSION);
		return -1;
	}
	if (strcmp(argv[1], "run") != 0)
		return cli_fail(c, ST_USAGE,
				"unknown command '%s' (try 'pysandbox --help')",
				argv[1]);
	return 0;
}

int cli_parse(struct cli *c, int argc, char **argv)
{
	int opt, ret = command(c, argc, argv);

	if (ret)
		return ret;
	argc--;
	argv++;

	/* '+': options end at the first operand, which belongs to the code
	 * with everything after it; -c CODE ends them too, so that what
	 * follows, a "--" included, is the code's argv as with python -c.
	 * ':': report errors ourselves. */
	opterr = 0;
	while (!c->code && (opt = getopt_long(argc, argv, "+:c:vhV", longopts,
					      NULL)) != -1) {
		if (opt == 'h' || opt == 'V')
			return command(c, 2,
				       (char *[]){argv[0], argv[optind - 1]});
		ret = opt == '?' || opt == ':' ? bad_option(c, opt, argv)
					       : option(c, opt, optarg);
		if (ret)
			return ret;
	}

	if (!c->code && optind >= argc)
		return cli_fail(
			c, ST_USAGE,
			"missing FILE or -c CODE (try 'pysandbox --help')");
	if (!c->code)
		c->script = argv[optind++];
	c->args = argv + optind;
	c->nargs = argc - optind;
	return pysandbox_options_set_verbosity(c->o, c->verbosity);
}
