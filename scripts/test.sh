#!/usr/bin/env bash
# `npm test`: type-check, then every test with Node's test runner (two files at a time), then the
# chaos suite's short form alone (its load would make the timing-sensitive tests beside it flaky).
# Ends with one line totalling both runs: `N passed, N failed, N skipped`.
set -uo pipefail
cd "$(dirname "$0")/.."
npx tsc --noEmit || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
node --import tsx --test --test-concurrency=2 $(find test -name '*.test.ts' -not -path 'test/chaos/*' | sort) | tee "$log"
suite=${PIPESTATUS[0]}
node --import tsx --test $(find test/chaos -name '*.test.ts' | sort) | tee -a "$log"
chaos=${PIPESTATUS[0]}
total () { grep -E "^# $1 [0-9]+$" "$log" | awk '{ s += $3 } END { print s + 0 }'; }
echo "$(total pass) passed, $(total fail) failed, $(total skipped) skipped"
[ "$suite" -eq 0 ] && [ "$chaos" -eq 0 ]
