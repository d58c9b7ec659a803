#!/usr/bin/env bash
# Registration throughput against a fresh start-dev (SQLite), at
# concurrency 1, 4 and 16, with the server's CPU time: ok/CPU-s is
# registrations per second per core. Loopback only; bounded by -n and -d.
#   bench/load/register.sh [requests-per-level]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-300}
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/latchkey" ./cmd/latchkey
go build -o "$tmp/load" ./bench/load
port=18089
"$tmp/latchkey" start-dev --data-dir "$tmp/data" --http-host 127.0.0.1 --http-port $port \
  --import-realm bench/load/realm-bench.json --log-level warn 2>"$tmp/server.log" &
pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.1; done
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(go version | cut -d' ' -f3)"
for c in 1 4 16; do
  "$tmp/load" -scenario register -url "http://127.0.0.1:$port" -realm bench -c $c -n "$n" -d 120s -pid $pid
done
"$tmp/load" -scenario login -url "http://127.0.0.1:$port" -realm bench -user-client bench-app -c 4 -n "$n" -d 120s -pid $pid
"$tmp/load" -scenario client-credentials -url "http://127.0.0.1:$port" -realm bench -client bench-service \
  -secret bench-secret -c 4 -n $((n * 10)) -d 120s -pid $pid
