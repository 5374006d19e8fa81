/* Sampling on every CPU with the software cpu-clock perf event (works in
 * VMs without a PMU): opens one event per CPU at a frequency and attaches a
 * BPF perf_event program to each; offline CPUs are skipped. Everything is
 * fd/bpf_link based, so nothing outlives the process. */
#ifndef BPFSCOPE_CPUCLOCK_H
#define BPFSCOPE_CPUCLOCK_H

struct bpf_program;
struct cpuclock;

/* NULL after one error line when no CPU could be sampled. The program must
 * have autoattach off (bpf_program__set_autoattach) before load. */
struct cpuclock *cpuclock__attach(struct bpf_program *prog, unsigned freq_hz);
int cpuclock__cpus(const struct cpuclock *cc); /* CPUs being sampled */
void cpuclock__free(struct cpuclock *cc);

#endif
