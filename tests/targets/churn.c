/* Target churn while traced: an exec of the same binary, and a library
 * unloaded (dlclose) and loaded again.
 *   churn exec K K2   tick() K times, wait for a line on stdin, then exec
 *                     itself, wait for another line, tick() K2 more times
 *   churn dl N M      dlopen libz, wait for a line, call zlibVersion N times,
 *                     dlclose (prints whether libz left the maps), dlopen
 *                     again, call it M times */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, used))

static volatile int ticks; /* a side effect, so calls are not optimized away */

NOINLINE int tick(int i)
{
	ticks += i;
	return ticks;
}

static int libz_mapped(void)
{
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, "libz.so") != NULL;
	if (f)
		fclose(f);
	return found;
}

static int call_libz(int times)
{
	void *lib = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
	const char *(*version)(void) = lib ? (const char *(*)(void))dlsym(lib, "zlibVersion") : NULL;

	if (!version)
		return -1;
	for (int i = 0; i < times; i++)
		version();
	return dlclose(lib);
}

int main(int argc, char **argv)
{
	char go[16];
	int a = argc > 2 ? atoi(argv[2]) : 3, b = argc > 3 ? atoi(argv[3]) : 3;

	if (argc > 2 && !strcmp(argv[1], "run")) {
		if (!fgets(go, sizeof(go), stdin))
			return 1;
		for (int i = 0; i < a; i++)
			tick(i);
		printf("ran %d\n", a);
		return 0;
	}
	if (argc > 3 && !strcmp(argv[1], "exec")) {
		for (int i = 0; i < a; i++)
			tick(i);
		if (!fgets(go, sizeof(go), stdin))
			return 1;
		fflush(stdout);
		execl("/proc/self/exe", "churn", "run", argv[3], (char *)NULL);
		return 2;
	}
	if (argc > 3 && !strcmp(argv[1], "dl")) {
		void *hold = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);

		if (!hold || !fgets(go, sizeof(go), stdin))
			return 1;
		dlclose(hold);
		if (call_libz(a))
			return 3;
		printf("unmapped %s\n", libz_mapped() ? "no" : "yes");
		if (call_libz(b))
			return 3;
		printf("called %d\n", a + b);
		return 0;
	}
	fprintf(stderr, "usage: churn exec K K2 | churn dl N M\n");
	return 2;
}
