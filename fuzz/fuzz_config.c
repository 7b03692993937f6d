// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the child's settings parsers (child/config.c
 * config_parse and config_parse_warm), which turn the parent's initialize
 * (or warm) params into limits, environment, argv, host functions, the
 * modules to preload and the virtual filesystem's table.  The parent is
 * not trusted to send sane params.
 *
 * Input: JSON text, parsed as the protocol parses a frame (json-c, depth
 * SBP_JSON_DEPTH); any value, not only an object, is handed over, to
 * config_parse_warm when it is an object with a "preload" member (warm's
 * own field; initialize ignores it), else to config_parse.
 * Checked: a refusal is one of the documented protocol codes with an
 * error object whose "message" is a string; a success leaves no error,
 * a filesystem, an environment object, an argv array, an absolute cwd
 * and a verbosity of 0..3.  Everything is released each time, so the
 * leak check sees any allocation the parser loses.
 */
#include "config.h"
#include "sbproto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where an installed child's files are: only copied into the table. */
static const struct install_paths paths = {
	.lib_dir = "/usr/local/lib/python-sandbox",
	.preload = "/usr/local/libexec/python-sandbox/libsbpreload.so",
	.jail = "/usr/local/libexec/python-sandbox/sandbox-jail",
};

static void check_refusal(int rc, struct json_object *error)
{
	struct json_object *message;

	if (rc != SBP_INVALID_PARAMS && rc != SBP_UNSUPPORTED_VERSION &&
	    rc != SBP_FILESYSTEM_ERROR && rc != SBP_INTERNAL_ERROR)
		abort();
	if (!json_object_is_type(error, json_type_object) ||
	    !json_object_object_get_ex(error, "message", &message) ||
	    !json_object_is_type(message, json_type_string))
		abort();

	/* The supervisor sends it: it must serialize. */
	if (!json_object_to_json_string(error))
		abort();
}

static void check_config(const struct config *cfg, struct json_object *error)
{
	struct json_object *limits;

	if (error || !cfg->vfs || cfg->cwd[0] != '/' ||
	    !memchr(cfg->cwd, '\0', sizeof(cfg->cwd)) ||
	    !json_object_is_type(cfg->env, json_type_object) ||
	    !json_object_is_type(cfg->argv, json_type_array) ||
	    cfg->verbosity < 0 || cfg->verbosity > 3)
		abort();

	/* The initialize answer reports the limits in force. */
	limits = config_limits_json(&cfg->limits);
	if (!limits)
		abort();
	json_object_put(limits);
	config_bind_source(cfg, cfg->cwd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *params, *error = NULL;
	struct json_tokener *tok;
	struct config cfg;
	int rc;

	/* A frame is at most 64 MiB; json-c takes an int length. */
	if (size > 1 << 20)
		return 0;
	tok = json_tokener_new_ex(SBP_JSON_DEPTH);
	if (!tok)
		abort();
	params = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (!params)
		return 0;

	if (json_object_is_type(params, json_type_object) &&
	    json_object_object_get_ex(params, "preload", NULL))
		rc = config_parse_warm(params, &paths, &cfg, &error);
	else
		rc = config_parse(params, &paths, &cfg, &error);
	if (rc)
		check_refusal(rc, error);
	else
		check_config(&cfg, error);
	config_clear(&cfg);
	json_object_put(error);
	json_object_put(params);
	return 0;
}
