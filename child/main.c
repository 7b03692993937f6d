/* SPDX-License-Identifier: MIT */
/*
 * main.c - the sandbox child: `sandbox` speaks protocol v1 on fds 3 and 4
 * (protocol/SPEC.md). Parents start it; people rarely do.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "policy.h"
#include "spawn.h"
#include "supervisor.h"

static const char usage[] =
	"usage: sandbox [--uid N] [--gid N]\n"
	"       sandbox --print-policy | --version | --help\n"
	"\n"
	"The python-sandbox child. A parent starts it with descriptor 3\n"
	"readable and 4 writable and speaks protocol v1 on them\n"
	"(protocol/SPEC.md). Started as root, it runs as --uid/--gid\n"
	"(default 65534) before reading anything else.\n";

static int parse_id(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v == 0 || v > 0xfffffffeUL)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"uid", required_argument, NULL, 'u'},
		{"gid", required_argument, NULL, 'g'},
		{"print-policy", no_argument, NULL, 'p'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned uid = 65534, gid = 65534;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
		case 'g':
			if (parse_id(optarg, c == 'u' ? &uid : &gid) < 0) {
				log_error("invalid --%s '%s'",
					  c == 'u' ? "uid" : "gid", optarg);
				return 2;
			}
			break;
		case 'p':
			policy_print_markdown();
			return 0;
		case 'V':
			printf("sandbox (python-sandbox) 1.1.0, protocol 1.1\n");
			return 0;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		log_error("unexpected argument '%s'", argv[optind]);
		return 2;
	}
	return supervisor_main(uid, gid);
}
