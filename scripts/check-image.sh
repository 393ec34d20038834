#!/usr/bin/env bash
# Checks the Docker image without a Docker engine (about 30-60 s): lints the Dockerfile, checks its
# rules, lays out the runtime stage's files from this checkout (after `npm ci`) pruned to
# production dependencies, runs the exact CMD as an unprivileged user on PostgreSQL
# (TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/test), waits for /readyz and
# runs the HEALTHCHECK command. Exit 0 only when all of it passes.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx test/ops/check-image.ts
