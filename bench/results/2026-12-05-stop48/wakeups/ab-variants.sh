#!/bin/bash
# alternating CPU/request and context switches/request of the workers: node:cluster, then corral with the patched knobs of variant-knobs.patch (CORRAL_X_TICK: the stall clock's interval; CORRAL_X_STEP: the watchdog thread's look), then --stall-threshold 0
here=$(cd "$(dirname "$0")" && pwd)
for r in $(seq 1 ${R:-2}); do
  for cfg in nc default "CORRAL_X_TICK=50" "CORRAL_X_STEP=200" "CORRAL_X_TICK=50 CORRAL_X_STEP=200" stall0; do
    case "$cfg" in
      nc) o=$(WHO=nc "$here/cpu-cs.sh" 2>&1);;
      default) o=$(WHO=corral "$here/cpu-cs.sh" 2>&1);;
      stall0) o=$(WHO=corral EXTRA="--stall-threshold 0" "$here/cpu-cs.sh" 2>&1);;
      *) o=$(env $cfg WHO=corral "$here/cpu-cs.sh" 2>&1);;
    esac
    echo "$cfg | $(echo "$o" | awk '/requests in/{r=$1} /task-clock/{t=$1} /context-switches/{c=$1} END{gsub(",","",c); printf "%d req %.0f ms %.0f us/req %.2f cs/req", r, t, t*1000/r, c/r}')"
  done
done
