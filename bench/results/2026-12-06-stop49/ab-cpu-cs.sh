#!/bin/bash
# R rounds (default 2), each alternating: node:cluster, corral before (BEFORE, a built worktree of the
# base), corral after (AFTER, default: this worktree), and after with --stall-threshold 0: the workers'
# CPU and context switches per request over a 10 s wrk window (stop 48's cpu-cs.sh; SCEN, C, NODE as there;
# NODE_OPTS= runs without --perf-basic-prof).
S=bench/results/2026-12-05-stop48/wakeups/cpu-cs.sh
fmt() { awk '/requests in/{r=$1} /task-clock/{t=$1} /context-switches/{c=$1} END{gsub(",","",c); gsub(",","",t); printf "%d req %.0f ms %.0f us/req %.2f cs/req", r, t, t*1000/r, c/r}'; }
for r in $(seq 1 ${R:-2}); do
  echo "nc | $(cd ${BEFORE:-/work/wt-before} && WHO=nc bash $S 2>&1 | fmt)"
  echo "before | $(cd ${BEFORE:-/work/wt-before} && WHO=corral bash $S 2>&1 | fmt)"
  echo "after | $(cd ${AFTER:-$(git rev-parse --show-toplevel)} && WHO=corral bash $S 2>&1 | fmt)"
  echo "stall0 | $(cd ${AFTER:-$(git rev-parse --show-toplevel)} && WHO=corral EXTRA='--stall-threshold 0' bash $S 2>&1 | fmt)"
done
