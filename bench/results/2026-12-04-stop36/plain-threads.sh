#!/bin/bash
# The same measurement as threads.sh, for plain node:cluster serving the same 300 ms wait: one worker, all its threads. $1: node binary
NODE=$1; P=$((19000 + RANDOM % 900)); T=$(mktemp -d)
PORT=$P setsid $NODE "$(dirname "$0")"/plain-wait-300ms.cjs >/dev/null 2>&1 & pid=$!
for i in $(seq 1 200); do curl -s -o /dev/null http://127.0.0.1:$P/ && break; sleep 0.05; done
w=$(pgrep -P $pid | head -1)
wrk -t1 -c100 -d14s http://127.0.0.1:$P/ >/dev/null & wp=$!
sleep 3
snap() { for t in /proc/$1/task/*; do echo "$(basename $t) $(cat $t/comm) $(cut -d' ' -f1,3 $t/schedstat)"; done; }
snap $w > $T/a; sleep 10; snap $w > $T/b; wait $wp; kill -TERM -$pid; wait $pid 2>/dev/null
join $T/a $T/b | awk '{d=($6-$3)/1e7; s=($7-$4)/10; tot+=d; n++; if (n==1) m=d; else o+=d} END{printf "main %.2f, other threads %.2f, all %.2f ms/s\n", m, o, tot}'
rm -rf "$T"
