#!/bin/bash
# fanstat.sh CONN DUR: corral fanout under wrk, then each worker's overload view
. /work/main/bench/results/2026-12-07-stop57/scripts/lib.sh
PORT=8127
start_upstream 9412 300 /tmp/fs-up.log
start_server corral $PORT fanout /tmp/fs.log
wrk -t2 -c$1 -d3s http://127.0.0.1:$PORT/ > /dev/null
curl -s 127.0.0.1:9000/status > /tmp/fs-a.json
wrk -t2 -c$1 -d${2:-8}s --latency http://127.0.0.1:$PORT/ > /tmp/fs.wrk
curl -s 127.0.0.1:9000/status > /tmp/fs-b.json
kill -TERM $master; kill -TERM $up
grep -E "Requests/sec|Non-2xx|99%|requests in" /tmp/fs.wrk
python3 - <<'PY'
import json
a=json.load(open('/tmp/fs-a.json')); b=json.load(open('/tmp/fs-b.json'))
for wa,wb in zip(a['workers'],b['workers']):
    oa,ob=wa.get('overload') or {}, wb.get('overload') or {}
    print({k:ob.get(k) for k in ('limit','running','waiting','utilization','baselineMs','latencyMs','pressure')}, 'shed', {k:ob['shed'][k]-oa['shed'][k] for k in ob.get('shed',{})})
PY
