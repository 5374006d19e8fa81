/* php: events and runtime layout shared by src/bpf/php.bpf.c and
 * src/tools/php*.c. The layout (offsets into the Zend engine's structs) is
 * filled by user space from its per-version table (src/tools/php_layout.c)
 * and handed to the kernel in .rodata, so one BPF object serves every PHP
 * build the table knows. */
#ifndef BPFSCOPE_PHP_H
#define BPFSCOPE_PHP_H

#include "bpf/common.h"

#define PHP_NAME_LEN   48  /* function and class names */
#define PHP_FILE_LEN   128 /* script paths */
#define PHP_URI_LEN    128 /* request URI (or CLI script path) as seen by the filter */
#define PHP_METHOD_LEN 16
#define PHP_PAT_LEN    64 /* --uri / --method patterns */
#define PHP_ARG_STR    32 /* bytes of a string argument kept */
#define PHP_MAX_ARGS   6

/* Zend engine offsets (bytes) for one PHP version/build. */
struct php_layout {
	__u32 ex_call;	   /* zend_execute_data.call */
	__u32 ex_func;	   /* zend_execute_data.func */
	__u32 ex_num_args; /* zend_execute_data.This.u2.num_args */
	__u32 ex_args;	   /* ZEND_CALL_ARG(ex, 1): ZEND_CALL_FRAME_SLOT * sizeof(zval) */
	__u32 fn_type;	   /* zend_function.type (u8) */
	__u32 fn_name;	   /* zend_function.common.function_name */
	__u32 fn_scope;	   /* zend_function.common.scope */
	__u32 fn_num_args; /* zend_function.common.num_args */
	__u32 op_filename; /* zend_function.op_array.filename */
	__u32 op_line_start;
	__u32 ce_name;		 /* zend_class_entry.name */
	__u32 str_len;		 /* zend_string.len */
	__u32 str_val;		 /* zend_string.val */
	__u32 zv_type;		 /* zval.u1.type_info (low byte is the type) */
	__u32 arr_count;	 /* zend_array.nNumOfElements */
	__u32 ref_val;		 /* zend_reference.val */
	__u32 obj_ce;		 /* zend_object.ce */
	__u32 eg_current_ex;	 /* zend_executor_globals.current_execute_data */
	__u32 user_function;	 /* ZEND_USER_FUNCTION */
	__u32 fn_flags;		 /* zend_function.common.fn_flags */
	__u32 acc_static;	 /* ZEND_ACC_STATIC */
	__u32 ex_opline;	 /* zend_execute_data.opline (saved by handlers that call out) */
	__u32 op_lineno;	 /* zend_op.lineno */
	__u32 internal_function; /* ZEND_INTERNAL_FUNCTION */
};

/* zval types (Zend/zend_types.h, stable since PHP 7). */
enum php_zval_type {
	PHP_IS_UNDEF = 0,
	PHP_IS_NULL = 1,
	PHP_IS_FALSE = 2,
	PHP_IS_TRUE = 3,
	PHP_IS_LONG = 4,
	PHP_IS_DOUBLE = 5,
	PHP_IS_STRING = 6,
	PHP_IS_ARRAY = 7,
	PHP_IS_OBJECT = 8,
	PHP_IS_RESOURCE = 9,
	PHP_IS_REFERENCE = 10,
};

/* BPF cookies of the executor uprobes: which kind of VM site (high bits)
 * and the site's ELF virtual address (low 48 bits), from which the program
 * computes the load bias of the binary in the traced process. USDT
 * attachments carry the same encoding in their USDT cookie. */
enum php_site {
	PHP_SITE_CALL =
	    1, /* DO_UCALL/DO_FCALL/DO_FCALL_BY_NAME: %r14 = caller, EX(call) = callee */
	PHP_SITE_RETURN = 2,  /* RETURN/RETURN_BY_REF/GENERATOR_RETURN: %r14 = returning frame */
	PHP_SITE_EXECUTE = 3, /* execute_ex entry: %rdi = the frame */
	PHP_SITE_USDT_ENTRY = 4,
	PHP_SITE_USDT_RETURN = 5,
	PHP_SITE_REQ_START = 6,
	PHP_SITE_REQ_END = 7,
	PHP_SITE_UNWIND = 8,	  /* HANDLE_EXCEPTION: %r14 = the frame the exception is in */
	PHP_SITE_CALLEE = 9,	  /* inside DO_UCALL, after the switch: %r14 = callee */
	PHP_SITE_CALLEE_RBX = 10, /* inside DO_FCALL(_BY_NAME): %rbx = callee */
	PHP_SITE_CALLEE_R12 = 11, /* inside DO_FCALL_BY_NAME (RETVAL_USED): %r12 = callee */
	PHP_SITE_ICALL = 12,	  /* the call of an internal function: callee in the cookie's reg */
	PHP_SITE_IRETURN = 13,	  /* the instruction after it: callee still there */
	PHP_SITE_USDT_EXEC_ENTRY = 14, /* php:execute__entry (user and internal calls) */
	PHP_SITE_USDT_EXEC_RETURN = 15,
};
#define PHP_COOKIE(site, vaddr) (((__u64)(site) << 56) | ((vaddr)&0xffffffffffffULL))
/* ICALL/IRETURN: bits 48-55 hold the x86 register number of the callee. */
#define PHP_COOKIE_REG(site, reg, vaddr) (PHP_COOKIE(site, vaddr) | ((__u64)(reg)&0xff) << 48)

/* UNWIND: an exception reached frame; the calls above it are gone. */
enum php_event_kind {
	PHP_EV_ENTRY = 1,
	PHP_EV_RETURN,
	PHP_EV_REQ_START,
	PHP_EV_REQ_END,
	PHP_EV_UNWIND
};
enum php_mech { PHP_MECH_UPROBE = 1, PHP_MECH_USDT = 2 };

struct php_arg {
	__u8 type; /* enum php_zval_type, after one dereference */
	__u8 pad[3];
	__u32 len;	       /* string length or array element count */
	__u64 value;	       /* long, double bits */
	char str[PHP_ARG_STR]; /* string bytes or object class name */
};

/* Every record starts with this header; a return is just the header. */
struct php_hdr {
	__u64 ts_ns;
	__u64 frame; /* zend_execute_data of the call (0 on a USDT return: the innermost) */
	__u32 pid, tid;
	__u8 kind;    /* enum php_event_kind */
	__u8 mech;    /* enum php_mech */
	__u8 matched; /* REQ_START: the request passed --uri/--method */
	__u8 pad;
	__u32 line; /* ENTRY: first line of the function */
};

struct php_call_event {
	struct php_hdr h;
	__u8 nargs;	/* arguments captured */
	__u8 nargs_all; /* arguments passed */
	__u8 is_static; /* a static method: Class::f, else Class->f */
	__u8 internal;	/* an internal function: file/line are the caller's */
	__u8 pad[4];
	char func[PHP_NAME_LEN];
	char cls[PHP_NAME_LEN];
	char file[PHP_FILE_LEN];
	struct php_arg args[PHP_MAX_ARGS];
};

struct php_req_event {
	struct php_hdr h;
	char comm[TASK_COMM_LEN];
	char uri[PHP_URI_LEN];
	char method[PHP_METHOD_LEN];
	char file[PHP_FILE_LEN];
};

/* Glob matching ('*' any run, '?' one character) for the request filter,
 * one step at a time so the kernel can run it under bpf_loop and user space
 * (and its unit test) runs the very same code in a plain loop. Backtracks
 * only to the last '*', so it is linear per star. */
struct php_glob {
	char pat[PHP_PAT_LEN];
	char s[PHP_URI_LEN];
	__u32 p, i, star_p, star_i;
	__u32 has_star;
	__u32 result; /* 1 match, 0 no match */
};

#define PHP_GLOB_STEPS 2048

/* Returns 1 when decided (g->result set), 0 to continue. */
static inline int php_glob_step(struct php_glob *g)
{
	char pc = g->p < PHP_PAT_LEN ? g->pat[g->p & (PHP_PAT_LEN - 1)] : 0;
	char sc = g->i < PHP_URI_LEN ? g->s[g->i & (PHP_URI_LEN - 1)] : 0;

	if (pc == '*') {
		g->has_star = 1;
		g->star_p = ++g->p;
		g->star_i = g->i;
		return 0;
	}
	if (!sc) {
		g->result = pc == 0;
		return 1;
	}
	if (pc && (pc == '?' || pc == sc)) {
		g->p++;
		g->i++;
		return 0;
	}
	if (!g->has_star) {
		g->result = 0;
		return 1;
	}
	g->p = g->star_p;
	g->i = ++g->star_i;
	return 0;
}

#endif
