/* SPDX-License-Identifier: MIT */
/*
 * pyjson.c - JSON values between json-c and Python objects, in the jail.
 *
 * The jail already speaks JSON through json-c; converting here spares
 * every sandbox the import of Python's json module (and re), which is a
 * third of CPython's start-up. Only JSON's own types cross: anything else
 * is a TypeError naming the type, non-finite floats and integers beyond 64
 * bits are a ValueError, and nesting is bounded like the protocol's.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>

#include "pyjson.h"
#include "sbproto.h"

static PyObject *array_to_py(struct json_object *o, int depth)
{
	size_t i, n = json_object_array_length(o);
	PyObject *list = PyList_New((Py_ssize_t)n), *item;

	for (i = 0; list && i < n; i++) {
		item = pyjson_to_py(json_object_array_get_idx(o, i), depth + 1);
		if (!item) {
			Py_CLEAR(list);
			break;
		}
		PyList_SET_ITEM(list, (Py_ssize_t)i, item);
	}
	return list;
}

static PyObject *object_to_py(struct json_object *o, int depth)
{
	PyObject *dict = PyDict_New(), *value;

	json_object_object_foreach(o, key, v)
	{
		if (!dict)
			break;
		value = pyjson_to_py(v, depth + 1);
		if (!value || PyDict_SetItemString(dict, key, value) < 0)
			Py_CLEAR(dict);
		Py_XDECREF(value);
	}
	return dict;
}

PyObject *pyjson_to_py(struct json_object *o, int depth)
{
	if (depth > SBP_JSON_DEPTH)
		return PyErr_Format(PyExc_ValueError, "JSON nested too deeply");

	switch (json_object_get_type(o)) {
	case json_type_null:
		Py_RETURN_NONE;
	case json_type_boolean:
		return PyBool_FromLong(json_object_get_boolean(o));
	case json_type_int:
		return PyLong_FromLongLong(json_object_get_int64(o));
	case json_type_double:
		return PyFloat_FromDouble(json_object_get_double(o));
	case json_type_string:
		return PyUnicode_FromStringAndSize(
			json_object_get_string(o),
			json_object_get_string_len(o));
	case json_type_array:
		return array_to_py(o, depth);
	case json_type_object:
		return object_to_py(o, depth);
	}
	return PyErr_Format(PyExc_ValueError, "unknown JSON type");
}

static int sequence_from_py(PyObject *o, int depth, struct json_object **out)
{
	PyObject *fast = PySequence_Fast(o, "not a sequence");
	struct json_object *a = json_object_new_array(), *item;
	Py_ssize_t i, n;

	if (!fast)
		goto fail;
	n = PySequence_Fast_GET_SIZE(fast);
	for (i = 0; i < n; i++) {
		if (pyjson_from_py(PySequence_Fast_GET_ITEM(fast, i), depth + 1,
				   &item) < 0)
			goto fail;
		json_object_array_add(a, item);
	}
	Py_DECREF(fast);
	*out = a;
	return 0;

fail:
	Py_XDECREF(fast);
	json_object_put(a);
	return -1;
}

static int dict_from_py(PyObject *o, int depth, struct json_object **out)
{
	struct json_object *obj = json_object_new_object(), *value;
	PyObject *key, *item;
	Py_ssize_t pos = 0, len;
	const char *name;

	while (PyDict_Next(o, &pos, &key, &item)) {
		if (!PyUnicode_Check(key)) {
			PyErr_Format(PyExc_TypeError,
				     "keys must be str, not %.100s",
				     Py_TYPE(key)->tp_name);
			goto fail;
		}
		name = PyUnicode_AsUTF8AndSize(key, &len);
		if (!name || pyjson_from_py(item, depth + 1, &value) < 0)
			goto fail;
		json_object_object_add(obj, name, value);
	}
	*out = obj;
	return 0;

fail:
	json_object_put(obj);
	return -1;
}

static int number_from_py(PyObject *o, struct json_object **out)
{
	int overflow;
	long long v;
	double d;

	if (PyFloat_Check(o)) {
		d = PyFloat_AS_DOUBLE(o);
		if (!isfinite(d)) {
			PyErr_SetString(PyExc_ValueError,
					"NaN and infinity are not JSON");
			return -1;
		}
		*out = json_object_new_double(d);
		return 0;
	}
	v = PyLong_AsLongLongAndOverflow(o, &overflow);
	if (overflow) {
		PyErr_SetString(PyExc_ValueError,
				"integers beyond 64 bits are not JSON here");
		return -1;
	}
	if (v == -1 && PyErr_Occurred())
		return -1;
	*out = json_object_new_int64(v);
	return 0;
}

int pyjson_from_py(PyObject *o, int depth, struct json_object **out)
{
	const char *s;
	Py_ssize_t len;

	*out = NULL; /* JSON null is json-c's NULL */
	if (depth > SBP_JSON_DEPTH) {
		PyErr_SetString(PyExc_ValueError, "value nested too deeply");
		return -1;
	}
	if (o == Py_None)
		return 0;
	if (PyBool_Check(o)) {
		*out = json_object_new_boolean(o == Py_True);
		return 0;
	}
	if (PyLong_Check(o) || PyFloat_Check(o))
		return number_from_py(o, out);
	if (PyUnicode_Check(o)) {
		s = PyUnicode_AsUTF8AndSize(o, &len);
		if (!s)
			return -1;
		*out = json_object_new_string_len(s, (int)len);
		return 0;
	}
	if (PyList_Check(o) || PyTuple_Check(o))
		return sequence_from_py(o, depth, out);
	if (PyDict_Check(o))
		return dict_from_py(o, depth, out);
	PyErr_Format(PyExc_TypeError, "%.100s is not JSON",
		     Py_TYPE(o)->tp_name);
	return -1;
}
