/* SPDX-License-Identifier: MIT */
/*
 * jail_main.c - sandbox-jail, the program the supervisor starts as the
 * jail. Kept apart from the supervisor's binary so that only the jail
 * links libpython: the supervisor starts faster and holds less memory.
 */
#include <stdio.h>
#include <string.h>

#include "jail.h"

int main(int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], JAIL_ARG) != 0) {
		fputs("sandbox-jail: started by the sandbox child only "
		      "(see docs/architecture.md)\n",
		      stderr);
		return 2;
	}
	jail_main();
}
