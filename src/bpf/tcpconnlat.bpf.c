/* tcpconnlat: SYN_SENT -> ESTABLISHED latency (see tcpconn.bpf.h); the tool
 * sets established_only and min_latency_ns. */
#include "bpf/tcpconn.bpf.h"
