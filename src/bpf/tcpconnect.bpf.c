/* tcpconnect: active TCP opens with their outcome (see tcpconn.bpf.h). */
#include "bpf/tcpconn.bpf.h"
