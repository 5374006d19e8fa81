#!/usr/bin/env bash
# SIGTERM of every long-running command leaves no BPF program, link, tc or XDP
# attachment behind (see leftovers.bash).
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/leftovers.bash"
plan 5
leftovers_run TERM
done_testing
