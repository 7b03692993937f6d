/* SPDX-License-Identifier: MIT */
/*
 * config.h - a session's settings, parsed from the initialize request.
 *
 * Parsing is table-driven and strict about types and ranges: a bad field
 * yields invalid_params naming the field; nothing is silently clamped.
 */
#ifndef SANDBOX_CONFIG_H
#define SANDBOX_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "vfs.h"

struct limits {
	uint64_t memory_bytes;
	uint64_t cpu_ms;
	uint64_t wall_ms;
	uint64_t output_bytes;
	uint64_t open_files;
	uint64_t threads;
	uint64_t host_call_bytes;
	uint64_t frame_bytes;
	uint64_t file_bytes;
};

#define CONFIG_MAX_ENTRIES   256
#define CONFIG_MAX_FUNCTIONS 256
#define CONFIG_MAX_ENV	     1024
#define CONFIG_MAX_ARGV	     256
#define CONFIG_MAX_STRING    65536
#define CONFIG_MAX_PRELOAD   64

struct config {
	struct limits limits;
	struct vfs *vfs;
	struct json_object *env;	    /* object: name -> value */
	struct json_object *argv;	    /* array of strings */
	struct json_object *host_functions; /* array of names */
	struct json_object *filesystem; /* the parent's entries, for errors */
	char cwd[PATH_MAX];
	int verbosity;
	int minor;	  /* the negotiated protocol version is 1.MINOR */
	bool layout_only; /* the default layout and nothing else */
	struct json_object *preload; /* warm: modules to import, or NULL */
};

/* Where the child's own files are (the sandbox package, the shim). */
struct install_paths {
	char lib_dir[PATH_MAX]; /* holds sandbox/__init__.py */
	char preload[PATH_MAX]; /* libsbpreload.so */
	char jail[PATH_MAX];	/* sandbox-jail */
};

/*
 * Fills CFG from initialize PARAMS. Returns 0, or a protocol error code
 * (SBP_INVALID_PARAMS, SBP_UNSUPPORTED_VERSION, SBP_FILESYSTEM_ERROR)
 * with *ERROR set to a new json object {"message", "data"} describing it.
 * On success the caller owns CFG's members (config_clear()).
 */
int config_parse(struct json_object *params, const struct install_paths *ip,
		 struct config *cfg, struct json_object **error);
void config_clear(struct config *cfg);

/*
 * Fills CFG from warm PARAMS (protocol 1.1): the jail a warm child starts
 * before any session, with the default layout and environment, every
 * limit at the largest value the jail can be given, and the modules to
 * preload. Errors as config_parse().
 */
int config_parse_warm(struct json_object *params,
		      const struct install_paths *ip, struct config *cfg,
		      struct json_object **error);

/* The source of the last bind entry at TARGET, or NULL (borrowed). */
const char *config_bind_source(const struct config *cfg, const char *target);

/* The effective limits as a json object (for the initialize result and
 * the jail). */
struct json_object *config_limits_json(const struct limits *l);

/* Finds the sandbox package and the shim next to the executable. */
int config_find_install(struct install_paths *ip);

#endif
