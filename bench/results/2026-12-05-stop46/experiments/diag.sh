#!/bin/bash
# The shop at 400 then 1000 connections with the admin port on: /status every 0.5 s, and a sample of pages' degraded lists.
cd /work/wt-lead46
out=/tmp/exp/ov/diag-$TAG; mkdir -p $out; rm -f $out/*
timeout 300 ${NODE:-node} --import tsx bench/shop-product.ts --connections 400,1000 --seconds 10 --warmup 5 --modes on --shop-args="--admin-bind 127.0.0.1:9901 $EXTRA" > $out/bench.log 2>&1 &
b=$!
for i in $(seq 1 160); do
  sleep 0.5
  s=$(curl -s -m 1 127.0.0.1:9901/status) || continue
  echo "$(date +%s.%N) $s" >> $out/status.jsonl
  port=$(pgrep -af "examples/shop/app.ts" | grep -o -- "--bind 127.0.0.1:[0-9]*" | head -1 | cut -d: -f2)
  [ -n "$port" ] && curl -s -m 3 -H 'x-user-id: 7' 127.0.0.1:$port/api/products/$((RANDOM % 1000 + 1)) | grep -o '"degraded":\[[^]]*\]' | sed "s/^/$(date +%s) /" >> $out/degraded.txt &
  kill -0 $b 2>/dev/null || break
done
wait $b
