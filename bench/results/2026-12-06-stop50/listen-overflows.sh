#!/bin/bash
# Listen-queue overflows and SYN retransmits (nstat) during the warm-up and during one 10 s wrk window at C (1000)
# connections: WHO=nc|corral, SCEN (fanout, or scenarios/fanout-nosig: ctx.signal not handed to undici), NODE.
# BENCH_UPSTREAM_BACKLOG=511 gives the simulator its old listen queue.
D=10; C=${C:-1000}
ovf() { nstat -az TcpExtListenOverflows TcpExtTCPReqQFullDoCookies TcpExtTCPTimeouts TcpExtTCPSynRetrans 2>/dev/null | awk 'NR>1{printf "%s=%s ", substr($1,7), $2}'; }
b0=$(ovf)
source "$(dirname "$0")/serve-pair.sh"
b1=$(ovf)
wrk -t2 -c$C -d${D}s http://127.0.0.1:8200/ > ${TMPDIR:-/tmp}/listen-overflows-wrk.out 2>&1
b2=$(ovf)
echo "$WHO $SCEN rps $(awk '/Requests\/sec/{print $2}' ${TMPDIR:-/tmp}/listen-overflows-wrk.out)"; echo "  before: $b0"; echo "  warmed: $b1"; echo "  after:  $b2"
ss -ltn | grep -E ":8200|:9400"
stop_pair
