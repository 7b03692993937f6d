/* SPDX-License-Identifier: MIT */
/* check_config.c - initialize params into a session's settings. */
#include <check.h>
#include <string.h>

#include "config.h"
#include "sbproto.h"

static const struct install_paths ip = {.lib_dir = "/tmp",
					.preload = "/dev/null"};

/* Parses JSON text TEXT; returns the protocol code, and the error's
 * data.field in FIELD (if any). */
static int parse(const char *text, struct config *cfg, char *field)
{
	struct json_object *params = json_tokener_parse(text);
	struct json_object *err = NULL, *data, *f;
	int rc;

	ck_assert_ptr_nonnull(params);
	rc = config_parse(params, &ip, cfg, &err);
	field[0] = '\0';
	if (err && json_object_object_get_ex(err, "data", &data) &&
	    json_object_object_get_ex(data, "field", &f))
		strcpy(field, json_object_get_string(f));
	json_object_put(err);
	json_object_put(params);
	return rc;
}

/* As parse(), for warm params. */
static int parse_warm(const char *text, struct config *cfg, char *field)
{
	struct json_object *params = json_tokener_parse(text);
	struct json_object *err = NULL, *data, *f;
	int rc;

	ck_assert_ptr_nonnull(params);
	rc = config_parse_warm(params, &ip, cfg, &err);
	field[0] = '\0';
	if (err && json_object_object_get_ex(err, "data", &data) &&
	    json_object_object_get_ex(data, "field", &f))
		strcpy(field, json_object_get_string(f));
	json_object_put(err);
	json_object_put(params);
	return rc;
}

START_TEST(defaults)
{
	struct config cfg;
	char field[256];

	ck_assert_int_eq(parse("{\"protocol_version\":\"1.0\"}", &cfg, field),
			 0);
	ck_assert_uint_eq(cfg.limits.memory_bytes, 512u << 20);
	ck_assert_uint_eq(cfg.limits.wall_ms, 30000);
	ck_assert_uint_eq(cfg.limits.frame_bytes, 4u << 20);
	ck_assert_uint_eq(cfg.limits.threads, 16);
	ck_assert_str_eq(cfg.cwd, "/tmp");
	ck_assert_int_eq(json_object_array_length(cfg.argv), 1);
	ck_assert_int_eq(json_object_object_length(cfg.env), 3);
	config_clear(&cfg);
}
END_TEST

static const struct {
	const char *params;
	int code;
	const char *field;
} bad_cases[] = {
	{"{}", SBP_INVALID_PARAMS, "/protocol_version"},
	{"{\"protocol_version\":\"2.0\"}", SBP_UNSUPPORTED_VERSION, ""},
	{"{\"protocol_version\":\"1.x\"}", SBP_INVALID_PARAMS,
	 "/protocol_version"},
	{"{\"protocol_version\":\"one\"}", SBP_INVALID_PARAMS,
	 "/protocol_version"},
	{"{\"protocol_version\":\"1.0\",\"host_functions\":[{\"name\":"
	 "\"f\"},{\"name\":\"f\"}]}",
	 SBP_INVALID_PARAMS, "/host_functions/1/name"},
	{"{\"protocol_version\":\"1.0\",\"limits\":[]}", SBP_INVALID_PARAMS,
	 "/limits"},
	{"{\"protocol_version\":\"1.0\",\"limits\":{\"cpu_ms\":\"5\"}}",
	 SBP_INVALID_PARAMS, "/limits/cpu_ms"},
	{"{\"protocol_version\":\"1.0\",\"limits\":{\"cpu_ms\":0}}",
	 SBP_INVALID_PARAMS, "/limits/cpu_ms"},
	{"{\"protocol_version\":\"1.0\",\"limits\":{\"memory_bytes\":1}}",
	 SBP_INVALID_PARAMS, "/limits/memory_bytes"},
	{"{\"protocol_version\":\"1.0\",\"limits\":{\"threads\":1.5}}",
	 SBP_INVALID_PARAMS, "/limits/threads"},
	{"{\"protocol_version\":\"1.0\",\"limits\":{\"frame_bytes\":"
	 "1073741824}}",
	 SBP_INVALID_PARAMS, "/limits/frame_bytes"},
	{"{\"protocol_version\":\"1.0\",\"env\":{\"A\":1}}", SBP_INVALID_PARAMS,
	 "/env"},
	{"{\"protocol_version\":\"1.0\",\"env\":{\"A=B\":\"x\"}}",
	 SBP_INVALID_PARAMS, "/env"},
	{"{\"protocol_version\":\"1.0\",\"argv\":[1]}", SBP_INVALID_PARAMS,
	 "/argv"},
	{"{\"protocol_version\":\"1.0\",\"cwd\":\"tmp\"}", SBP_INVALID_PARAMS,
	 "/cwd"},
	{"{\"protocol_version\":\"1.0\",\"cwd\":\"/tmp/../etc\"}",
	 SBP_INVALID_PARAMS, "/cwd"},
	{"{\"protocol_version\":\"1.0\",\"verbosity\":9}", SBP_INVALID_PARAMS,
	 "/verbosity"},
	/* A member of the wrong type is named itself, not a neighbour. */
	{"{\"protocol_version\":\"1.0\",\"verbosity\":\"high\"}",
	 SBP_INVALID_PARAMS, "/verbosity"},
	{"{\"protocol_version\":\"1.0\",\"argv\":\"x\"}", SBP_INVALID_PARAMS,
	 "/argv"},
	{"{\"protocol_version\":\"1.0\",\"cwd\":7}", SBP_INVALID_PARAMS,
	 "/cwd"},
	{"{\"protocol_version\":\"1.0\",\"host_functions\":[{\"name\":"
	 "\"1x\"}]}",
	 SBP_INVALID_PARAMS, "/host_functions"},
	{"{\"protocol_version\":\"1.0\",\"host_functions\":[\"f\"]}",
	 SBP_INVALID_PARAMS, "/host_functions"},
	{"{\"protocol_version\":\"1.0\",\"filesystem\":{}}", SBP_INVALID_PARAMS,
	 "/filesystem"},
	{"{\"protocol_version\":\"1.0\",\"filesystem\":[{\"type\":\"tmpfs\","
	 "\"target\":\"/t/\"}]}",
	 SBP_INVALID_PARAMS, "/filesystem/0/target"},
	{"{\"protocol_version\":\"1.0\",\"filesystem\":[{\"type\":\"tmpfs\","
	 "\"target\":\"/t\",\"max_bytes\":1}]}",
	 SBP_INVALID_PARAMS, "/filesystem/0/max_bytes"},
	{"{\"protocol_version\":\"1.0\",\"filesystem\":[{\"type\":\"nfs\","
	 "\"target\":\"/t\"}]}",
	 SBP_INVALID_PARAMS, "/filesystem/0/type"},
	{"{\"protocol_version\":\"1.0\",\"filesystem\":[{\"type\":\"bind\","
	 "\"target\":\"/t\",\"source\":\"rel\"}]}",
	 SBP_INVALID_PARAMS, "/filesystem/0/source"},
	{"{\"protocol_version\":\"1.0\",\"filesystem\":[{\"type\":\"file\","
	 "\"target\":\"/t\",\"data\":\"!!\"}]}",
	 SBP_INVALID_PARAMS, "/filesystem/0/data"},
	{"{\"protocol_version\":\"1.0\",\"filesystem\":[{\"type\":"
	 "\"device\",\"target\":\"/t\",\"device\":\"sda\"}]}",
	 SBP_INVALID_PARAMS, "/filesystem/0/device"},
};

START_TEST(rejects_bad_params)
{
	struct config cfg;
	char field[256];
	int rc;

	rc = parse(bad_cases[_i].params, &cfg, field);
	ck_assert_msg(rc == bad_cases[_i].code, "case %d: code %d", _i, rc);
	ck_assert_str_eq(field, bad_cases[_i].field);
	config_clear(&cfg);
}
END_TEST

START_TEST(accepts_every_entry_kind)
{
	struct config cfg;
	char field[256];

	ck_assert_int_eq(
		parse("{\"protocol_version\":\"1.3\",\"defaults\":false,"
		      "\"filesystem\":["
		      "{\"type\":\"bind\",\"source\":\"/usr\",\"target\":"
		      "\"/u\",\"include\":[\"*.py\"],\"exclude\":[\"x*\"]},"
		      "{\"type\":\"file\",\"target\":\"/f\",\"data\":\"aGk=\","
		      "\"mode\":384},"
		      "{\"type\":\"tmpfs\",\"target\":\"/t\",\"max_bytes\":"
		      "65536,\"max_files\":3},"
		      "{\"type\":\"host\",\"target\":\"/h\"},"
		      "{\"type\":\"device\",\"target\":\"/n\",\"device\":"
		      "\"null\"}],"
		      "\"limits\":{\"cpu_ms\":5,\"wall_ms\":6},"
		      "\"env\":{\"A\":\"b\"},\"argv\":[\"x\",\"y\"],"
		      "\"cwd\":\"/t\",\"verbosity\":3,"
		      "\"host_functions\":[{\"name\":\"_f1\"}]}",
		      &cfg, field),
		0);
	ck_assert_uint_eq(cfg.limits.cpu_ms, 5);
	ck_assert_uint_eq(cfg.limits.wall_ms, 6);
	ck_assert_str_eq(cfg.cwd, "/t");
	ck_assert_int_eq(cfg.verbosity, 3);
	ck_assert_int_eq(json_object_array_length(cfg.host_functions), 1);
	config_clear(&cfg);
}
END_TEST

START_TEST(host_call_bytes_capped_at_frame_bytes)
{
	struct config cfg;
	char field[256];

	ck_assert_int_eq(parse("{\"protocol_version\":\"1.0\",\"limits\":"
			       "{\"frame_bytes\":65536,\"host_call_bytes\":"
			       "1048576}}",
			       &cfg, field),
			 0);
	ck_assert_uint_eq(cfg.limits.host_call_bytes, 65536);
	config_clear(&cfg);
}
END_TEST

START_TEST(limits_json_round_trip)
{
	struct limits l = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	struct json_object *o = config_limits_json(&l), *v;

	ck_assert(json_object_object_get_ex(o, "threads", &v));
	ck_assert_int_eq(json_object_get_int(v), 6);
	ck_assert_int_eq(json_object_object_length(o), 9);
	json_object_put(o);
}
END_TEST

START_TEST(negotiates_minor)
{
	struct config cfg;
	char field[256];

	ck_assert_int_eq(parse("{\"protocol_version\":\"1.0\"}", &cfg, field),
			 0);
	ck_assert_int_eq(cfg.minor, 0);
	config_clear(&cfg);
	ck_assert_int_eq(
		parse("{\"protocol_version\":\"1.99999\"}", &cfg, field), 0);
	ck_assert_int_eq(cfg.minor, SBP_VERSION_MINOR);
	config_clear(&cfg);
}
END_TEST

/* The warm jail: every limit at its largest (or our hard limit), the
 * default process, the preload list kept. */
START_TEST(warm_template)
{
	struct config cfg;
	char field[256];

	ck_assert_int_eq(parse_warm("{\"protocol_version\":\"1.1\","
				    "\"preload\":[\"json\",\"email.mime\"]}",
				    &cfg, field),
			 0);
	ck_assert_int_eq(cfg.minor, 1);
	ck_assert_uint_ge(cfg.limits.memory_bytes, 512u << 20);
	ck_assert_uint_eq(cfg.limits.threads, 1024);
	ck_assert_uint_eq(cfg.limits.frame_bytes, 4u << 20);
	ck_assert_str_eq(cfg.cwd, "/tmp");
	ck_assert_int_eq(json_object_array_length(cfg.preload), 2);
	ck_assert_int_eq(json_object_array_length(cfg.host_functions), 0);
	config_clear(&cfg);
}
END_TEST

static const struct {
	const char *params;
	int code;
	const char *field;
} bad_warm[] = {
	{"{\"protocol_version\":\"1.0\"}", SBP_UNSUPPORTED_VERSION, ""},
	{"{\"protocol_version\":\"2.1\"}", SBP_UNSUPPORTED_VERSION, ""},
	{"{}", SBP_INVALID_PARAMS, "/protocol_version"},
	{"{\"protocol_version\":\"1.1\",\"preload\":\"json\"}",
	 SBP_INVALID_PARAMS, "/preload"},
	{"{\"protocol_version\":\"1.1\",\"preload\":[\"json\",\"a..b\"]}",
	 SBP_INVALID_PARAMS, "/preload/1"},
	{"{\"protocol_version\":\"1.1\",\"preload\":[\"1x\"]}",
	 SBP_INVALID_PARAMS, "/preload/0"},
	{"{\"protocol_version\":\"1.1\",\"preload\":[\"x.\"]}",
	 SBP_INVALID_PARAMS, "/preload/0"},
	{"{\"protocol_version\":\"1.1\",\"preload\":[7]}", SBP_INVALID_PARAMS,
	 "/preload/0"},
	{"{\"protocol_version\":\"1.1\",\"verbosity\":9}", SBP_INVALID_PARAMS,
	 "/verbosity"},
	{"{\"protocol_version\":\"1.1\",\"verbosity\":\"x\"}",
	 SBP_INVALID_PARAMS, "/verbosity"},
};

START_TEST(rejects_bad_warm)
{
	struct config cfg;
	char field[256];
	int rc;

	rc = parse_warm(bad_warm[_i].params, &cfg, field);
	ck_assert_msg(rc == bad_warm[_i].code, "case %d: code %d", _i, rc);
	ck_assert_str_eq(field, bad_warm[_i].field);
	config_clear(&cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, defaults);
	tcase_add_loop_test(tc, rejects_bad_params, 0,
			    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, accepts_every_entry_kind);
	tcase_add_test(tc, host_call_bytes_capped_at_frame_bytes);
	tcase_add_test(tc, limits_json_round_trip);
	tcase_add_test(tc, negotiates_minor);
	tcase_add_test(tc, warm_template);
	tcase_add_loop_test(tc, rejects_bad_warm, 0,
			    sizeof(bad_warm) / sizeof(bad_warm[0]));
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
