#!/bin/bash
# alternating CPU/request and context switches/request of the workers: nc, corral, variants
here=$(cd "$(dirname "$0")" && pwd)
cd "$(git rev-parse --show-toplevel)"
for r in $(seq 1 ${R:-3}); do
  for cfg in nc corral "--stall-threshold 0" "--stall-threshold 0 --no-overload-control"; do
    if [ "$cfg" = nc ]; then o=$(WHO=nc "$here/cpu-cs.sh" 2>&1); elif [ "$cfg" = corral ]; then o=$(WHO=corral "$here/cpu-cs.sh" 2>&1); else o=$(WHO=corral EXTRA="$cfg" "$here/cpu-cs.sh" 2>&1); fi
    echo "$cfg | $(echo "$o" | awk '/requests in/{r=$1} /task-clock/{t=$1} /context-switches/{c=$1} END{gsub(",","",c); printf "%d req %.0f ms %.0f us/req %.2f cs/req", r, t, t*1000/r, c/r}')"
  done
done
