/* tcpconnlat: shares struct tcpconn_event with tcpconnect. */
#ifndef BPFSCOPE_TCPCONNLAT_H
#define BPFSCOPE_TCPCONNLAT_H

#include "bpf/tcpconnect.h"

#endif
