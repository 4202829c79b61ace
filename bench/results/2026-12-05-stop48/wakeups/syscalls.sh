#!/bin/bash
# syscalls per request of the server's workers: strace -c -f over one wrk window
source "$(dirname "$0")/serve-pair.sh"
out=$(mktemp)
timeout -s INT 12 strace -c -f -p $W -o ${TMPDIR:-/tmp}/strace-$WHO.txt &
ST=$!; sleep 0.5
wrk -t2 -c$C -d10s http://127.0.0.1:8200/ > $out 2>&1
wait $ST
grep -E "requests in" $out
ss -tn state established '( dport = :9400 )' | wc -l
head -25 ${TMPDIR:-/tmp}/strace-$WHO.txt
stop_pair; rm -f $out
