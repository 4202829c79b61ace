#!/bin/bash
# split.sh nc|corral CONN ROUNDS — how wrk's connections split between the two workers (ss per pid), and rps
. "$(dirname "$(readlink -f "$0")")/lib.sh"
PORT=8131
start_server $1 $PORT hello /tmp/split-$1.log
for r in $(seq $3); do
  wrk -t2 -c$2 -d2s http://127.0.0.1:$PORT/ > /tmp/split-$1.wrk & wk=$!
  sleep 1
  line=""; for p in $(pgrep -P $master); do n=$(ss -tnpH state established "( sport = :$PORT )" 2>/dev/null | grep -c "pid=$p,"); line="$line $n"; done
  wait $wk
  echo "$1 c$2 round $r: split$line rps $(grep Requests/sec /tmp/split-$1.wrk | awk '{print $2}')"
done
kill -TERM $master
