#!/bin/bash
# issue 11's fan-out bars, pooled: 3 runs of 3 rounds per Node (Node 20, then 26) of fanout and fanout-io.
D=${D:-/tmp/r42/fan} SCENARIOS=fanout,fanout-io ROUNDS="--repeats 3 --duration 8 --warmup 2" \
  exec bash "$(dirname "$0")/../2026-12-04-stop40/hello-pool.sh"
