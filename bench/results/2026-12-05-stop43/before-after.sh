#!/bin/bash
# The request-path report for stop 43's connection registry: hello and fanout, the build before
# ($BEFORE, a checkout with dist built) and after (this checkout), each in its own run against
# node:cluster, Node 26; then the connection-per-request rounds (conn-ab.sh) on Node 20 and 26.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
N26=${N26:-/work/node-versions/n26/node_modules/.bin/node}
N20=${N20:-node}
D=${D:-/tmp/ba43}
mkdir -p $D
for build in "$BEFORE" "$PWD"; do
  name=$(basename "$build")
  (cd "$build" && npm run bench -- --scenarios hello,fanout --servers node-cluster,corral-async --repeats 2 --duration 5 --warmup 1 --workers 2 --node "$N26" --out $D/bench-$name > $D/bench-$name.log 2>&1)
done
for n in "$N20" "$N26"; do
  v=$($n --version)
  NODE=$n AFTER=$PWD bash "$HERE/conn-ab.sh" > $D/conn-ab-$v.txt 2>&1
  cp /tmp/conn-ab-raw.txt $D/conn-ab-$v-raw.txt
done
