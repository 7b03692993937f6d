/* embed.c - the C API in a few lines: expose a host function, run code
 * that calls it, read the result. Built and run by `make test`. */
#include <stdio.h>

#include <pysandbox.h>

/* Host function "add": sums its integer arguments. */
static int add(void *userdata, const char *name, struct json_object *args,
	       struct json_object *kwargs, struct json_object **value,
	       struct pysandbox_host_error *error)
{
	int64_t sum = 0;
	size_t i;

	for (i = 0; i < json_object_array_length(args); i++) {
		struct json_object *arg = json_object_array_get_idx(args, i);

		sum += json_object_get_int64(arg);
	}
	*value = json_object_new_int64(sum);
	return 0;
}

int main(void)
{
	struct pysandbox_options *o = pysandbox_options_new();
	struct pysandbox_result *r = NULL;
	struct pysandbox *s;
	size_t len;
	const char *out;

	pysandbox_options_set_limit(o, PYSANDBOX_LIMIT_WALL_MS, 5000);
	pysandbox_options_expose(o, "add", add, NULL);
	s = pysandbox_new(o);
	pysandbox_options_free(o);

	if (pysandbox_start(s) < 0 ||
	    pysandbox_execute(s, "import sandbox\nprint(sandbox.add(2, 40))",
			      &r) < 0) {
		fprintf(stderr, "embed: %s\n", pysandbox_errmsg(s));
		pysandbox_close(s);
		return 1;
	}

	out = pysandbox_result_stdout(r, &len);
	printf("outcome %s, stdout: %.*s",
	       pysandbox_outcome_name(pysandbox_result_outcome(r)), (int)len,
	       out);
	pysandbox_result_free(r);
	return pysandbox_close(s) == 0 ? 0 : 1;
}
