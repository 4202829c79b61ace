#!/bin/bash
# $1 tree, $2 port
HERE=$(cd "$(dirname "$0")" && pwd)
cd $1
node dist/cli/main.js serve test/fixtures/fetch-app.ts --workers 1 --bind 127.0.0.1:$2 --admin-bind 127.0.0.1:$(($2+1)) > /tmp/stock-$2.log 2>&1 &
pid=$!
for i in $(seq 50); do curl -s 127.0.0.1:$2/pid >/dev/null && break; sleep 0.2; done
sleep 2; curl -s "127.0.0.1:$2/busy?ms=6000&turn=30" ; echo
sleep 0.3
node $HERE/burst1000.mjs $2 600
kill -TERM $pid; wait $pid
grep -c "stock watched" /tmp/stock-$2.log; grep "stock watched\|Burst" /tmp/stock-$2.log | head -5
