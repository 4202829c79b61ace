#!/bin/bash
# Issue 12's fan-out and shop levels, before (BEFORE tree) and after (AFTER tree) alternating, R rounds, on NODE,
# control on and off: tree-ab.sh with two trees. Run: BEFORE=<built checkout> AFTER=<built checkout> NODE=<node> D=<dir> R=2 bash overload-ab.sh.
# Output: $D/<node>-<before|after>-<fanout|shop>-<round>.txt
TREES="before:${BEFORE:-/work/main} after:${AFTER:-/work/wt-lead51}" MODES=${MODES:-on,off} BENCHES=${BENCHES:-fanout shop} D=${D:-/tmp/s51/ov} \
  exec bash "$(dirname "$0")/tree-ab.sh"
