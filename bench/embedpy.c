/* SPDX-License-Identifier: MIT */
/*
 * embedpy - python3.11 as a program embedding the shared libpython, the
 * way the jail runs it, with no sandbox at all. Debian's /usr/bin/python3.11
 * links the interpreter statically; comparing the two separates what the
 * shared library costs from what the sandbox costs.
 */
#include <Python.h>

int main(int argc, char **argv)
{
	return Py_BytesMain(argc, argv);
}
