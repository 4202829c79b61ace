#!/bin/bash
# The fan-outs at 1,000 connections, main's build (its own checkout, /work/base41) and this one,
# each against node:cluster in its own run, on Node 20 and Node 26.
N26=/work/node-versions/n26/node_modules/node/bin/node
out=/work/wt-lead41/bench/results/2026-12-04-stop41
for node in /usr/bin/node $N26; do
  tag=$([ $node = /usr/bin/node ] && echo n20 || echo n26)
  for build in /work/base41 /work/wt-lead41; do
    name=$(basename $build)
    (cd $build && timeout 600 npm run bench -- --scenarios fanout,fanout-io --servers node-cluster,corral-async --repeats 3 --duration 8 --warmup 2 --workers 2 --node $node --out $out/fan-$tag-$name) 2>&1 | grep -E "^\| (node|corral)" > $out/fan-$tag-$name.txt
  done
done
