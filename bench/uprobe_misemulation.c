/* Reproducer: a bare uprobe (perf_event uprobe PMU, no BPF) on the entry of
 * the function glibc's memset resolves to. On this project's machine (Linux
 * 6.18, AVX-512) that is __memset_avx512_unaligned_erms, whose first
 * instruction is the EVEX vpbroadcastb %esi,%zmm16. The kernel's uprobe code
 * reads its opcode byte 7a as "jp" and emulates a jump of 0 instead of
 * running it, so the probed memset stores stale %zmm16 contents:
 *
 *   $ gcc -O0 -o /tmp/uprobe_misemulation bench/uprobe_misemulation.c -ldl
 *   $ sudo /tmp/uprobe_misemulation
 *   no probe: AAAAAAAAAA
 *   probed:    (hex 00)
 *
 * `bpfscope list libc '__memset_avx512*'` marks such sites "(mis-emulated)". */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
	Dl_info i;
	void *m = dlsym(RTLD_DEFAULT, "memset");
	void *(*ms)(void *, int, size_t) = (void *(*)(void *, int, size_t))m;
	char path[256], buf[200];
	FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "r");
	int type;
	if (fscanf(f, "%d", &type) != 1) return 1;
	dladdr(m, &i);
	snprintf(path, sizeof path, "%s", i.dli_fname);
	struct perf_event_attr a = { .size = sizeof(a), .type = type };
	a.config1 = (uint64_t)(uintptr_t)path;
	a.config2 = (uint64_t)((char *)m - (char *)i.dli_fbase);
	ms(buf, 'A', sizeof buf);
	printf("no probe: %.10s\n", buf);
	int fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd < 0) { perror("attach"); return 1; }
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	ms(buf, 'B', sizeof buf);
	printf("probed:   %.10s (hex %02x)\n", buf, (unsigned char)buf[0]);
	return 0;
}
