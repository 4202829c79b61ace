#!/bin/bash
# sc.sh nc|corral CONN N — syscalls per request in the workers (strace -c)
. "$(dirname "$(readlink -f "$0")")/lib.sh"
PORT=8128
start_server $1 $PORT hello /tmp/sc-$1.log
ab -q -k -n 20000 -c $2 http://127.0.0.1:$PORT/ > /dev/null
pids=$(pgrep -P $master)
args=""; for p in $pids; do args="$args -p $p"; done
strace -f -c -o /tmp/sc-$1.strace $args & st=$!
sleep 1
ab -q -k -n $3 -c $2 http://127.0.0.1:$PORT/ > /dev/null
kill -INT $st; sleep 1
kill -TERM $master
python3 - $3 /tmp/sc-$1.strace $1 <<'PY'
import sys,re
n=int(sys.argv[1]); tot=0; rows=[]
for l in open(sys.argv[2]):
    m=re.match(r'\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:(\d+)\s+)?(\w+)\s*$',l)
    if m and m.group(3)!='total': rows.append((int(m.group(1)),m.group(3)))
rows.sort(reverse=True)
print(sys.argv[3], 'syscalls/request', round(sum(r[0] for r in rows)/n,3), ' '.join(f'{c}={k/n:.3f}' for k,c in rows[:12]))
PY
