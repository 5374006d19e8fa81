/* Drop reasons of skb:kfree_skb, shared by tcpdrop and netpath (kernel and
 * user side). The tracepoint carries enum skb_drop_reason since Linux 5.17;
 * on older kernels every kfree_skb is a drop of unknown reason. */
#ifndef BPFSCOPE_DROPREASON_H
#define BPFSCOPE_DROPREASON_H

#define DROP_REASON_UNKNOWN 0xffffffffu

#endif
