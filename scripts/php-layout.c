/* Derives the Zend engine layout that `bpfscope php` needs from a PHP's
 * development headers: the offsets of the fields it reads (offsetof, so
 * the compiler does the work) and the spec indices of the VM handlers it
 * probes (from the VM_HANDLERS list of Zend/zend_vm_handlers.h, the order of
 * the hybrid VM's label table).
 *
 *   cc -D_GNU_SOURCE $(php-config8.2 --includes) scripts/php-layout.c -o php-layout
 *   ./php-layout
 *
 * prints one "name value" line per field (handler lists comma-separated).
 * src/tools/php_layout.c holds the result for each known version, and
 * tests/unit/test_php.c compiles and runs this program to check it. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "php.h"
#include "zend_execute.h"
#include "zend_vm_handlers.h"

#define FIELD(name, value) printf("%s %zu\n", name, (size_t)(value))

struct handler {
	unsigned index;
	const char *name;
};

#define HANDLER(n, name) {n, #name},
static const struct handler handlers[] = {VM_HANDLERS(HANDLER)};

/* Indices of every handler whose name starts with one of the prefixes. */
static void print_handlers(const char *label, const char *const *prefixes, int n)
{
	const char *sep = "";

	printf("%s ", label);
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		for (int p = 0; p < n; p++)
			if (!strncmp(handlers[i].name, prefixes[p], strlen(prefixes[p]))) {
				printf("%s%u", sep, handlers[i].index);
				sep = ",";
				break;
			}
	printf("\n");
}

int main(void)
{
	static const char *const calls[] = {"ZEND_DO_UCALL_SPEC", "ZEND_DO_FCALL_SPEC",
					    "ZEND_DO_FCALL_BY_NAME_SPEC"};
	static const char *const returns[] = {"ZEND_RETURN_SPEC", "ZEND_RETURN_BY_REF_SPEC",
					      "ZEND_GENERATOR_RETURN_SPEC"};
	static const char *const unwind[] = {"ZEND_HANDLE_EXCEPTION_SPEC"};
	unsigned last = 0;

	printf("version %s\n", PHP_VERSION);
	FIELD("api", ZEND_MODULE_API_NO);
	FIELD("ex_call", offsetof(zend_execute_data, call));
	FIELD("ex_func", offsetof(zend_execute_data, func));
	FIELD("ex_num_args", offsetof(zend_execute_data, This.u2.num_args));
	FIELD("ex_args", (char *)ZEND_CALL_ARG((zend_execute_data *)0, 1) - (char *)0);
	FIELD("fn_type", offsetof(zend_function, type));
	FIELD("fn_name", offsetof(zend_function, common.function_name));
	FIELD("fn_scope", offsetof(zend_function, common.scope));
	FIELD("fn_num_args", offsetof(zend_function, common.num_args));
	FIELD("op_filename", offsetof(zend_function, op_array.filename));
	FIELD("op_line_start", offsetof(zend_function, op_array.line_start));
	FIELD("ce_name", offsetof(zend_class_entry, name));
	FIELD("str_len", offsetof(zend_string, len));
	FIELD("str_val", offsetof(zend_string, val));
	FIELD("zv_type", offsetof(zval, u1.type_info));
	FIELD("arr_count", offsetof(zend_array, nNumOfElements));
	FIELD("ref_val", offsetof(zend_reference, val));
	FIELD("obj_ce", offsetof(zend_object, ce));
	FIELD("eg_current_ex", offsetof(zend_executor_globals, current_execute_data));
	FIELD("user_function", ZEND_USER_FUNCTION);
	FIELD("fn_flags", offsetof(zend_function, common.fn_flags));
	FIELD("acc_static", ZEND_ACC_STATIC);
	FIELD("ex_opline", offsetof(zend_execute_data, opline));
	FIELD("op_lineno", offsetof(zend_op, lineno));
	FIELD("internal_function", ZEND_INTERNAL_FUNCTION);
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		last = handlers[i].index > last ? handlers[i].index : last;
	FIELD("handlers", last + 1);
	print_handlers("call_handlers", calls, 3);
	print_handlers("return_handlers", returns, 3);
	print_handlers("unwind_handler", unwind, 1);
	return 0;
}
