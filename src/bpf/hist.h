/* Histogram layout shared by BPF programs and user space. Plain types only. */
#ifndef BPFSCOPE_BPF_HIST_H
#define BPFSCOPE_BPF_HIST_H

/* Log2 slots: slot 0 holds the value 0, slot k (k >= 1) holds
 * [2^(k-1), 2^k - 1]; the last slot also holds everything larger.
 * Linear slots: slot k holds [min + k*step, min + (k+1)*step - 1], clamped. */
#define HIST_SLOTS 64

/* Log-linear slots (finer percentiles): values 0..15 get a slot each; each
 * power of two [2^m, 2^(m+1)) above (m >= 4) is cut into 8 equal slots,
 * slot 16 + (m - 4) * 8 + ((v >> (m - 3)) & 7), so a slot is at most 1/8
 * of its values wide. 256 slots reach 2^34 (17 s in ns); the last slot
 * also holds everything larger. */
#define HIST_LOGLIN_SLOTS 256
#define HIST_LOGLIN_SUB	  8

struct hist {
	__u64 slots[HIST_SLOTS];
};

#endif
