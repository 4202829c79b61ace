#!/bin/bash
# issue 11's hello bar, as stop 40 took it (3 runs of 11 rounds per Node, pooled), into /tmp/r41/hello.
D=/tmp/r41/hello exec bash "$(dirname "$0")/../2026-12-04-stop40/hello-pool.sh"
