#!/bin/sh
# The long fuzz run: every property with FUZZ_RUNS runs (500 by default), the inputs tried
# written to FUZZ_REPORT (default fuzz-report.json here). Replay a failure with FUZZ_SEED=<seed>.
set -e
cd "$(dirname "$0")/../.."
export FUZZ_RUNS="${FUZZ_RUNS:-500}"
export FUZZ_REPORT="${FUZZ_REPORT:-$PWD/fuzz-report.json}"
npx vitest run test/fuzz --testTimeout=600000 --hookTimeout=120000
echo "malformed inputs tried: $(node -e 'console.log(require(process.argv[1]).total)' "$FUZZ_REPORT") ($FUZZ_REPORT)"
