#!/bin/bash
# hsfan.sh nc|corral CONN N — allocation sampling for the fan-out
. "$(dirname "$(readlink -f "$0")")/../../2026-12-07-stop57/scripts/lib.sh"
PORT=8127; rm -f /tmp/hs-$1-*.json
export HS_TAG=$1
start_upstream 9412 ${DELAY:-20} /tmp/hf-up.log
APP=${APP:-} start_server $1 $PORT ${SCEN:-fanout} /tmp/hs-$1.log --import $HERE/../../2026-12-07-stop57/scripts/heapsample.mjs
ab -q -k -n 10000 -c $2 http://127.0.0.1:$PORT/ > /dev/null
pids=$(pgrep -P $master | tr '\n' ' ')
kill -WINCH $pids; sleep 0.3
ab -k -n $3 -c $2 http://127.0.0.1:$PORT/ 2>&1 | grep -E "^Complete requests|^Failed|^Non-2xx"
kill -WINCH $pids; for i in $(seq 60); do [ $(ls /tmp/hs-$1-*.json 2>/dev/null | wc -l) = 2 ] && break; sleep 0.5; done
kill -TERM $master $up; sleep 1
python3 $HERE/../../2026-12-07-stop57/scripts/hssum.py $3 /tmp/hs-$1-*.json
