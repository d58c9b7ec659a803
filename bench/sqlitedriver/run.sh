#!/usr/bin/env bash
# Runs the SQLite driver benchmarks and the binary-size check.
#
#   bench/sqlitedriver/run.sh                      # 10 rounds x 0.3s per benchmark, about 5 minutes
#   ROUNDS=3 BENCHTIME=0.2s bench/sqlitedriver/run.sh
#
# The test binary is built once, then run ROUNDS times. Each round runs every
# benchmark once (-test.count=1) with the drivers back to back, and the driver
# order rotates from round to round. paired.awk prints, per operation, the
# median over rounds of each driver's ratio to modernc within the same round
# (robust to load that comes and goes between rounds); benchstat, if present,
# compares the rounds as independent samples.
# Raw output goes to $OUT (default: results.txt in this directory).
set -euo pipefail
cd "$(dirname "$0")"

ROUNDS=${ROUNDS:-10}
BENCHTIME=${BENCHTIME:-0.3s}
OUT=${OUT:-$PWD/results.txt}
# mattn and ncruces both register "sqlite3" with database/sql; switch ncruces'
# registration off (the benchmarks use its connector directly).
LDFLAGS='-X github.com/ncruces/go-sqlite3/driver.driverName='

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(go version)"
echo "# nproc=$(nproc) $(lscpu | grep 'Model name' | tr -s ' ')"
echo "# rounds=$ROUNDS benchtime=$BENCHTIME"

go test -c -o "$tmp/sqlitedriver.test" -ldflags="$LDFLAGS" .
"$tmp/sqlitedriver.test" -test.run='^TestDriverSettings$' -test.v 2>&1 | grep -E 'SQLite|second writer|^(---|ok|PASS|FAIL)' || true

: >"$OUT"
for ((i = 0; i < ROUNDS; i++)); do
	echo "# round $((i + 1))/$ROUNDS" >&2
	SQLITEDRIVER_ROTATE=$i "$tmp/sqlitedriver.test" -test.run='^$' -test.bench=. \
		-test.benchtime="$BENCHTIME" -test.cpu=2 -test.count=1 -test.benchmem \
		-test.timeout=10m | tee -a "$OUT" | grep -E '^(Benchmark|FAIL|---)' >&2
done

echo
echo "## binary size of a tiny program (open :memory:, SELECT sqlite_version())"
printf '%-8s %12s %12s  %s\n' driver default '-s -w' 'CGO_ENABLED=0'
for d in modernc ncruces mattn; do
	go build -trimpath -o "$tmp/$d" "./tiny/$d"
	go build -trimpath -ldflags='-s -w' -o "$tmp/$d-s" "./tiny/$d"
	if CGO_ENABLED=0 go build -trimpath -o "$tmp/$d-nocgo" "./tiny/$d" 2>/dev/null; then
		nocgo=$("$tmp/$d-nocgo" 2>&1 | head -1 || true)
	else
		nocgo="does not build"
	fi
	printf '%-8s %12s %12s  %s\n' "$d" "$(stat -c %s "$tmp/$d")" "$(stat -c %s "$tmp/$d-s")" "$nocgo"
done

echo
echo "## paired ratios (median over rounds of the ratio within a round; < 1 = faster than modernc)"
awk -f paired.awk "$OUT"

echo
BENCHSTAT=$(command -v benchstat || echo "$(go env GOPATH)/bin/benchstat")
if [ -x "$BENCHSTAT" ]; then
	"$BENCHSTAT" -col /driver "$OUT"
else
	echo "benchstat not found (go install golang.org/x/perf/cmd/benchstat@latest); raw results in $OUT"
fi
