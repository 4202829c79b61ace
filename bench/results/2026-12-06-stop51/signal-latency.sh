# Stop 51: fanout (raw undici with ctx.signal), fanout-nosig (stop 50, the same without the signal), fanout-io (corral/io)
# and node:cluster, alternating, 2 rounds: wrk -c1000 10 s after a 5 s warm-up (stop 50 serve-pair.sh), Node 26.
# Run from a built checkout.
set -u
cd "$(git rev-parse --show-toplevel)"
for r in 1 2; do for cfg in "nc fanout" "corral fanout" "corral fanout-nosig" "corral fanout-io"; do
  set -- $cfg; export WHO=$1 SCEN=$2 C=1000
  . bench/results/2026-12-06-stop50/serve-pair.sh
  out=$(wrk -t2 -c1000 -d10s --latency http://127.0.0.1:8200/ 2>&1)
  echo "round $r $WHO $SCEN: $(echo "$out" | grep -E 'Requests/sec' | tr -s ' ') mean $(echo "$out" | grep -E '^ +Latency' | awk '{print $2}') p50 $(echo "$out" | grep -E '^ +50%' | awk '{print $2}') p99 $(echo "$out" | grep -E '^ +99%' | awk '{print $2}')"
  stop_pair; sleep 2
done; done
