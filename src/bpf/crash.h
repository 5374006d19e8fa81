/* Crash flight recorder: the contract between its kernel side
 * (src/bpf/crash.bpf.h, compiled into the probe engine's object) and user
 * space (src/crash/). Plain types only.
 *
 * Each traced thread owns a ring of its last events (struct crash_ring in
 * the crash_rings hash map, keyed by thread id). When a fatal signal is
 * delivered to a watched thread, one struct crash_event goes to the
 * crash_events ring buffer: the thread's ring, the signal, the user
 * registers, a copy of the top of the user stack, the kernel stack and the
 * executable file mappings that the registers and stack words point into. */
#ifndef BPFSCOPE_BPF_CRASH_H
#define BPFSCOPE_BPF_CRASH_H

#include "bpf/common.h"
#include "bpf/fdpath.h"

#define CRASH_RING_MAX	  128	     /* events per thread ring (--ring N, N <= this) */
#define CRASH_ENTRY_DATA  104	     /* bytes of captured arguments kept per event */
#define CRASH_STACK_COPY  (32 << 10) /* bytes of user stack copied from sp upwards */
#define CRASH_STACK_PAGE  4096	     /* copy granule: a page that faults ends the copy */
#define CRASH_KSTACK	  32	     /* kernel frames */
#define CRASH_MAX_VMAS	  16	     /* executable file mappings reported */
#define CRASH_SEEN_RANGES 32	     /* address ranges already looked up (exec or not) */
#define CRASH_NREGS	  17	     /* x86-64 DWARF registers 0..16 (rip is 16) */

/* Offset of the captured arguments in a probe record (struct probe_event). */
#define CRASH_RECORD_HDR 48

struct crash_entry {
	__u64 ts_ns;
	__u64 duration_ns; /* return probes */
	__u16 probe;
	__u16 size;	   /* bytes of data kept */
	__u16 full;	   /* bytes the record had after its header */
	__u16 pad;
	__u8 data[CRASH_ENTRY_DATA];
};

struct crash_ring {
	__u32 pid, tid;
	__u64 count; /* events ever recorded; entry i is at (i % ring_len) */
	char comm[TASK_COMM_LEN];
	struct crash_entry entries[CRASH_RING_MAX]; /* value size is cut to ring_len at load */
};

#define CRASH_RING_HDR (sizeof(struct crash_ring) - CRASH_RING_MAX * sizeof(struct crash_entry))

struct crash_vma {
	__u64 start, end, pgoff; /* pgoff in bytes */
	__u64 ino;
	__u32 dev;
	__u32 pad;
	struct fdpath path;
};

enum crash_handler { CRASH_HANDLER_DEFAULT, CRASH_HANDLER_IGNORE, CRASH_HANDLER_CUSTOM };

enum crash_flags {
	CRASH_F_RING = 1,	     /* the thread had a ring */
	CRASH_F_STACK_FAULT = 2,    /* the stack copy ended at an unreadable page */
	CRASH_F_VMA_BUSY = 4,	     /* a mapping lookup found the mm locked */
	CRASH_F_VMA_FULL = 8,	     /* more executable mappings than CRASH_MAX_VMAS */
	CRASH_F_NO_REGS = 16,	     /* no user registers (kernel thread) */
};

struct crash_event {
	__u32 pid, tid;
	__u32 sig;
	__s32 code;   /* si_code */
	__s32 errnum; /* si_errno */
	__u32 handler; /* enum crash_handler */
	__u64 addr;   /* si_addr for faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP) */
	__u64 ts_ns;
	__u32 sender_pid; /* kill/tgkill/raise: who sent it */
	__u32 flags;	  /* enum crash_flags */
	char comm[TASK_COMM_LEN];
	__u64 regs[CRASH_NREGS]; /* DWARF order */
	__u64 stack_start;	 /* user sp at delivery */
	__u32 stack_len;	 /* bytes of stack[] valid */
	__s32 kstack_len;	 /* bytes of kstack[] valid, < 0: error */
	__u64 kstack[CRASH_KSTACK];
	__u32 nvmas;
	__u32 pad;
	struct crash_vma vmas[CRASH_MAX_VMAS];
	struct crash_ring ring; /* entries: only ring_len used */
	__u8 stack[CRASH_STACK_COPY + CRASH_STACK_PAGE]; /* slack: the verifier bounds a copy by offset and size apart */
};

/* Tells user space to re-read a process's maps (exec) or to take its parent's
 * (fork): the user-space snapshot is the fallback when a mapping cannot be
 * read at crash time. */
enum crash_note_kind { CRASH_NOTE_EXEC = 1, CRASH_NOTE_FORK = 2, CRASH_NOTE_MMAP = 3 };

struct crash_note {
	__u32 kind;
	__u32 pid;
	__u32 parent; /* fork */
	__u32 pad;
};

#endif
