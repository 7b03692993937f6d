/* SPDX-License-Identifier: MIT */
/*
 * pyjson.h - JSON values between json-c and Python objects (jail only).
 * Both directions need the GIL.
 */
#ifndef SANDBOX_PYJSON_H
#define SANDBOX_PYJSON_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <json-c/json.h>

/* A new reference to the Python value of O (NULL is None), or NULL with a
 * Python exception set. DEPTH is the nesting so far (0 at the top). */
PyObject *pyjson_to_py(struct json_object *o, int depth);

/* Converts O into *OUT (a new json-c reference; NULL for None). Returns 0,
 * or -1 with TypeError/ValueError set for a value JSON cannot carry. */
int pyjson_from_py(PyObject *o, int depth, struct json_object **out);

#endif
