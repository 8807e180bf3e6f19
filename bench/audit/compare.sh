#!/usr/bin/env bash
# Side-by-side reference for the audit ingestion bench on a shared, noisy machine: builds the bench twice
# (the working tree, and the same tree with libs/audit-server/src/ingest taken from a baseline git
# revision), then alternates prefilled drains of both, so load changes hit both alike.
#   bash bench/audit/compare.sh [baseline-rev=a0e8c10] [rounds=4]     (BENCH_CONSUMERS etc. pass through)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rev="${1:-a0e8c10}"
rounds="${2:-4}"
cd "$root"
build() { # $1 = source dir, $2 = output dir
  node -e "const fs=require('fs');const s=JSON.parse(fs.readFileSync('.swcrc','utf8'));s.jsc.baseUrl=process.argv[1];fs.writeFileSync('tmp/swcrc.compare.json',JSON.stringify(s))" "$1"
  rm -rf "$2"
  (cd "$1" && "$root/node_modules/.bin/swc" bench/audit libs -d "$2" --config-file "$root/tmp/swcrc.compare.json" \
    --copy-files --ignore '**/*.spec.ts,**/*.int-spec.ts' --quiet)
}
mkdir -p tmp
rm -rf tmp/compare-src && mkdir -p tmp/compare-src && cp -r libs bench tmp/compare-src/
rm -rf tmp/compare-src/libs/audit-server/src/ingest
mkdir -p tmp/compare-src/libs/audit-server/src/ingest
for f in $(git ls-tree --name-only "$rev" libs/audit-server/src/ingest/); do
  git show "$rev:$f" > "tmp/compare-src/$f"
done
build "$root/tmp/compare-src" "$root/tmp/compare-baseline"
build "$root" "$root/tmp/compare-current"
for i in $(seq 1 "$rounds"); do
  for variant in baseline current; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    line=$(BENCH_PREFILL=1 KAFKAJS_NO_PARTITIONER_WARNING=1 node "tmp/compare-$variant/bench/audit/ingest.bench.js" 2>&1 | tail -1)
    drain=$(grep -o 'drain rate after the burst [0-9,]*' <<<"$line" | grep -o '[0-9,]*$' || true)
    lag=$(grep -o 'lag back to 0 [0-9.]* s' <<<"$line" | grep -o '[0-9.]* s' || true)
    printf '%-8s round %d  consumers=%s  load=%-5s  drain=%8s events/s  lag back to 0 after %s\n' \
      "$variant" "$i" "${BENCH_CONSUMERS:-1}" "$load" "$drain" "$lag"
  done
done
