/* Histogram layout shared by BPF programs and user space. Plain types only. */
#ifndef BPFSCOPE_BPF_HIST_H
#define BPFSCOPE_BPF_HIST_H

/* Log2 slots: slot 0 holds the value 0, slot k (k >= 1) holds
 * [2^(k-1), 2^k - 1]; the last slot also holds everything larger.
 * Linear slots: slot k holds [min + k*step, min + (k+1)*step - 1], clamped. */
#define HIST_SLOTS 64

struct hist {
	__u64 slots[HIST_SLOTS];
};

#endif
