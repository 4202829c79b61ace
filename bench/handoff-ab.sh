#!/usr/bin/env bash
# Side-by-side A/B of two corral builds on the hello app: alternating wrk rounds (A B, B A, ...),
# with keep-alive and with a new connection per request (the hand-off path), and the server's CPU
# per request from /proc (master + workers). Loopback only; every round is bounded.
#   bench/handoff-ab.sh <dir of build A> <dir of build B> [rounds=6] [seconds=5] [connections=50]
# Each dir is a corral checkout with dist/ built. Prints one line per round and the median ratios.
set -euo pipefail
A=$1; B=$2; ROUNDS=${3:-6}; SECS=${4:-5}; CONNS=${5:-50}
APP="$(cd "$(dirname "$0")/.." && pwd)/examples/hello/app.ts"
start() { # dir port -> pid
  node "$1/dist/cli/main.js" serve "$APP" --workers 2 --bind "127.0.0.1:$2" --admin-bind off --control-socket off --log-level warn >/dev/null 2>&1 &
  echo $!
}
ticks() { local t=0; for p in $1 $(pgrep -P "$1"); do set -- $(cut -d' ' -f14,15 "/proc/$p/stat"); t=$((t + $1 + $2)); done; echo $t; }
PA=$(shuf -i 20000-29999 -n1); PB=$((PA + 1))
pa=$(start "$A" $PA); pb=$(start "$B" $PB)
trap 'kill $pa $pb 2>/dev/null' EXIT
for p in $PA $PB; do until curl -fs "http://127.0.0.1:$p/" >/dev/null; do sleep 0.2; done; done
hz=$(getconf CLK_TCK)
round() { # label pid port header
  local before after out rps reqs
  before=$(ticks "$2")
  out=$(wrk -t1 -c"$CONNS" -d"${SECS}s" ${4:+-H "$4"} "http://127.0.0.1:$3/")
  after=$(ticks "$2")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  echo "$1 rps=$rps cpu_us_per_req=$(( (after - before) * 1000000 / hz / (reqs > 0 ? reqs : 1) ))"
}
for mode in keepalive close; do
  hdr=""; [ "$mode" = close ] && hdr="Connection: close"
  for i in $(seq 1 "$ROUNDS"); do
    if (( i % 2 )); then round "$mode A" $pa $PA "$hdr"; round "$mode B" $pb $PB "$hdr"
    else round "$mode B" $pb $PB "$hdr"; round "$mode A" $pa $PA "$hdr"; fi
  done
done | tee /dev/stderr | awk '
  { split($3, r, "="); split($4, c, "="); key=$1" "$2; rps[key]=rps[key]" "r[2]; cpu[key]=cpu[key]" "c[2] }
  function med(s,  a, n, i, j, t) { n=split(s, a, " "); for (i=1;i<=n;i++) for (j=i+1;j<=n;j++) if (a[j]+0<a[i]+0) {t=a[i];a[i]=a[j];a[j]=t}; return n%2 ? a[(n+1)/2] : (a[n/2]+a[n/2+1])/2 }
  END { for (m in rps) if (m ~ / A$/) { b=m; sub(/ A$/, " B", b); printf "%s: median rps B/A = %.3f, CPU us/req A=%s B=%s\n", substr(m,1,length(m)-2), med(rps[b])/med(rps[m]), med(cpu[m]), med(cpu[b]) } }'
