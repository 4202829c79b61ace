#!/bin/bash
# deopts.sh nc|corral CONN — deoptimizations in the workers under the fan-out load (--trace-deopt), by function and reason
. "$(dirname "$(readlink -f "$0")")/../../2026-12-07-stop57/scripts/lib.sh"
PORT=8132; LOG=/tmp/do-${TAG:-$1}.log
start_upstream 9417 ${DELAY:-300} /tmp/do-up.log
start_server $1 $PORT fanout $LOG --trace-deopt
wrk -t2 -c$2 -d4s http://127.0.0.1:$PORT/ > /dev/null
bl=$(wc -l < $LOG)
wrk -t2 -c$2 -d6s http://127.0.0.1:$PORT/ > /tmp/do-$1.wrk
kill -TERM $master $up; sleep 1
echo "${TAG:-$1} $(grep Requests/sec /tmp/do-$1.wrk)"
echo "deopts during the measured 6 s: $(tail -n +$((bl+1)) $LOG | grep -ac 'bailout (kind')"
tail -n +$((bl+1)) $LOG | grep -a "bailout (kind" | sed -E 's/.*bailout \(kind: ([^,]+), reason: ([^)]*)\): begin. deoptimizing 0x[0-9a-f]+ <JSFunction ([^ >]*).*/\3 | \1 | \2/' | sort | uniq -c | sort -rn | head -${TOP:-15}
