#!/bin/bash
# CPU and wakeups (voluntary context switches) per thread of one corral worker over 10 s, with one
# request held in flight for 20 s (HANG=0: none, an idle worker). Usage:
#   ROOT=<built checkout> [NODE=<node>] bash thread-cpu.sh "<extra serve flags>"
HERE=$(dirname "$(readlink -f "$0")")
NODE=${NODE:-/work/node-versions/n26/node_modules/node/bin/node}
cd "${ROOT:-/work/main}" || exit 1
setsid $NODE dist/cli/main.js serve "$HERE/hang.mjs" --workers 1 --bind 127.0.0.1:8131 --admin-bind off --control-socket off $1 > /tmp/thread-cpu.log 2>&1 &
m=$!
for _ in $(seq 50); do curl -s 127.0.0.1:8131/ >/dev/null && break; sleep 0.2; done
w=$(pgrep -P $m)
[ "${HANG:-1}" = 0 ] || (curl -s 127.0.0.1:8131/hang > /dev/null &)
sleep 1
snap() { for t in /proc/$w/task/*; do echo "$(basename $t) $(tr ' ' _ < $t/comm) $(awk '{print $14+$15}' $t/stat) $(awk '/ctxt_switches/ {s+=$2} END {print s}' $t/status)"; done; }
snap > /tmp/thread-cpu.a; sleep 10; snap > /tmp/thread-cpu.b
# utime+stime are in 10 ms ticks: over 10 s, ticks are ms of CPU a second.
join <(sort /tmp/thread-cpu.a) <(sort /tmp/thread-cpu.b) | awk '{c=($6-$3); x=($7-$4)/10; if (c>0 || x>0) printf "  %-18s %5.1f ms/s  %6.1f wakeups/s\n", $2, c, x}'
kill -TERM $m; wait $m 2>/dev/null
