#!/bin/bash
# alternating CPU/request and context switches/request: node:cluster, corral, corral without the loop-delay histogram (CORRAL_X_NOLAG, variant-knobs.patch), with --stall-threshold 0, and both; run from a worktree with the patched build
here=$(cd "$(dirname "$0")" && pwd)
for r in $(seq 1 ${R:-2}); do
  for cfg in nc default "CORRAL_X_NOLAG=1" stall0 "CORRAL_X_NOLAG=1 stall0"; do
    case "$cfg" in
      nc) o=$(WHO=nc $here/cpu-cs.sh 2>&1);;
      default) o=$(WHO=corral $here/cpu-cs.sh 2>&1);;
      stall0) o=$(WHO=corral EXTRA="--stall-threshold 0" $here/cpu-cs.sh 2>&1);;
      "CORRAL_X_NOLAG=1 stall0") o=$(CORRAL_X_NOLAG=1 WHO=corral EXTRA="--stall-threshold 0" $here/cpu-cs.sh 2>&1);;
      *) o=$(env $cfg WHO=corral $here/cpu-cs.sh 2>&1);;
    esac
    echo "C=${C:-100} $cfg | $(echo "$o" | awk '/requests in/{r=$1} /task-clock/{t=$1} /context-switches/{c=$1} END{gsub(",","",c); printf "%d req %.0f ms %.0f us/req %.2f cs/req", r, t, t*1000/r, c/r}')"
  done
done
