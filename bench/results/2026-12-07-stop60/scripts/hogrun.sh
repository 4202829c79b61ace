#!/bin/bash
# hogrun.sh N HOGS: run downstream.test.ts N times with HOGS busy loops beside it
N=${1:-3}; H=${2:-4}
for i in $(seq $H); do nice -n ${NICE:-0} timeout 600 sh -c 'while :; do :; done' & done
for i in $(seq $N); do
  rm -f /tmp/occ.log
  OCC_DEBUG=/tmp/occ.log CORRAL_REQUIRE_SERVICES=1 timeout 300 node --import tsx --test --test-name-pattern="slow upstream" test/overload/downstream.test.ts > /tmp/hog-$i.log 2>&1
  echo "run $i rc=$? $(grep -a '/wide:' /tmp/hog-$i.log | head -1)"
  cp /tmp/occ.log /tmp/occ-$i.log 2>/dev/null
done
pkill -f "while :; do :; done"
