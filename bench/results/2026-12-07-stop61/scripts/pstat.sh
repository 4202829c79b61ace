#!/bin/bash
# pstat.sh nc|corral CONN DUR — syscalls, faults and switches a request in the workers (perf stat), fan-out by default
. "$(dirname "$(readlink -f "$0")")/../../2026-12-07-stop57/scripts/lib.sh"
PORT=8130; SCEN=${SCEN:-fanout}
[ "$SCEN" != hello ] && start_upstream 9415 ${DELAY:-300} /tmp/ps-up.log
start_server $1 $PORT $SCEN /tmp/ps-$1.log
wrk -t2 -c$2 -d3s http://127.0.0.1:$PORT/ > /dev/null
pids=$(pgrep -P $master | tr '\n' ',' | sed 's/,$//')
wrk -t2 -c$2 -d${3:-6}s http://127.0.0.1:$PORT/ > /tmp/ps-$1.wrk & wk=$!
sleep 0.5
perf stat -x, -e raw_syscalls:sys_enter,context-switches,cpu-migrations,page-faults,syscalls:sys_enter_madvise,syscalls:sys_enter_mprotect,syscalls:sys_enter_munmap,syscalls:sys_enter_mmap,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_epoll_ctl,syscalls:sys_enter_writev,syscalls:sys_enter_write,syscalls:sys_enter_read,syscalls:sys_enter_recvfrom -p $pids -o /tmp/ps-$1.stat -- sleep $(( ${3:-6} - 1 ))
wait $wk
kill -TERM $master; [ -n "$up" ] && kill -TERM $up; sleep 1
rps=$(grep Requests/sec /tmp/ps-$1.wrk | awk '{print $2}')
python3 - $rps $(( ${3:-6} - 1 )) "$1 ${APP:-$SCEN} c$2 rps $rps" <<PY
import sys
rps=float(sys.argv[1]); dur=float(sys.argv[2]); reqs=rps*dur
out=[]
for l in open('/tmp/ps-$1.stat'):
    p=l.strip().split(',')
    if len(p)>3 and p[0].replace('.','').isdigit(): out.append(f"{p[2].replace('syscalls:sys_enter_','')} {float(p[0])/reqs:.3f}")
print(sys.argv[3], '|', ' '.join(out))
PY
