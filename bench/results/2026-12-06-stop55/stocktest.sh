#!/bin/bash
# One worker of <tree> serving test/fixtures/fetch-app.ts on <port>, its loop kept busy 30 ms a turn, then
# <bursts> bursts (default 1) of 600 connections opened at once, 5 s apart: each burst's latency percentiles.
#   bash stocktest.sh <tree> <port> [bursts]
HERE=$(cd "$(dirname "$0")" && pwd)
cd $1
node dist/cli/main.js serve test/fixtures/fetch-app.ts --workers 1 --bind 127.0.0.1:$2 --admin-bind 127.0.0.1:$(($2+1)) > /tmp/stock-$2.log 2>&1 &
pid=$!
for i in $(seq 50); do curl -s 127.0.0.1:$2/pid >/dev/null && break; sleep 0.2; done
sleep 2; curl -s "127.0.0.1:$2/busy?ms=$((6000 * ${3:-1} + 2000))&turn=30"; echo
for b in $(seq 1 ${3:-1}); do
  sleep 0.3
  node $HERE/burst1000.mjs $2 600
  [ $b -lt ${3:-1} ] && sleep 5
done
kill -TERM $pid; wait $pid
