#!/bin/bash
# whole-worker CPU (all threads, schedstat) at ~165 req/s per worker of an app that waits 300 ms, per --stall-threshold
for NODE in node ${NODE26:?set NODE26 to a Node 26 binary}; do
  for r in 1 2; do
    for v in "--stall-threshold 50ms" "--stall-threshold 100ms" "--stall-threshold 200ms" "--stall-threshold 0" "--stall-threshold 0 --no-worker-stacks"; do
      printf "%s r%s [%s] " "$($NODE --version)" $r "$v"
      timeout 100 "$(dirname "$0")"/threads.sh $NODE $v 2>&1 | awk '/^worker/{w=1; next} /^master/{w=0} w {tot+=$3; n++; if (n==1) m=$3} END{printf "main %.2f, all threads %.2f ms/s\n", m, tot}'
    done
  done
done
