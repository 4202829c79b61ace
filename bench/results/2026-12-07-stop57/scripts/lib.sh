# Sourced by the scripts here: a server of either kind (nc: plain node:cluster, bench/anchors/node/cluster.cjs;
# corral: this checkout's dist/, or ROOT's) with 2 workers on the servers' Node (NODE), and the upstream simulator.
N26=${NODE:-/work/node-versions/n26/node_modules/node/bin/node}
HERE=$(dirname "$(readlink -f "$0")")
cd "${ROOT:-/work/main}" || exit 1

# start_upstream PORT DELAY_MS LOG: the simulator, 2 processes; sets $up, exports BENCH_UPSTREAM and BENCH_DELAY_MS.
start_upstream() {
  PORT=$1 BENCH_UPSTREAM_PROCESSES=2 setsid $N26 bench/upstream/simulator.cjs > "$3" 2>&1 &
  up=$!
  sleep 1
  export BENCH_UPSTREAM=http://127.0.0.1:$1 BENCH_DELAY_MS=$2
}

# start_server nc|corral|x@FILE PORT SCENARIO LOG [node flags…]: sets $master once the server answers (10 s at most).
# corral serves $APP (default bench/scenarios/SCENARIO.ts) with the settings in $EXTRA.
start_server() {
  local kind=$1 port=$2 scen=$3 log=$4
  shift 4
  if [ "$kind" = nc ]; then
    PORT=$port BENCH_WORKERS=2 BENCH_SCENARIO=$scen setsid $N26 "$@" bench/anchors/node/cluster.cjs > "$log" 2>&1 &
  elif [ "${kind#x@}" != "$kind" ]; then
    # x@FILE (stop 65): a node:cluster program of its own, given PORT and BENCH_WORKERS as the anchor is.
    PORT=$port BENCH_WORKERS=2 BENCH_SCENARIO=$scen setsid $N26 "$@" "${kind#x@}" > "$log" 2>&1 &
  else
    setsid $N26 "$@" dist/cli/main.js serve ${APP:-bench/scenarios/$scen.ts} --workers 2 --bind 127.0.0.1:$port $EXTRA > "$log" 2>&1 &
  fi
  master=$!
  for _ in $(seq 50); do curl -s 127.0.0.1:$port/ >/dev/null && break; sleep 0.2; done
}
