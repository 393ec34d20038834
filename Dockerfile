# syntax=docker/dockerfile:1
# Latchkey: multi-stage image. The build stage installs every dependency from the lock file
# (compiling better-sqlite3, generating both Prisma clients), then prunes the dev dependencies;
# the runtime stage gets only what `node --import tsx src/main.ts` needs, runs as the unprivileged
# `node` user, and keeps its data (embedded SQLite database, generated key, outbox) in /data.
# Migrations are applied at start (in-process, under PostgreSQL's advisory lock): see docs/deploy.md.
# Checked without a Docker engine by scripts/check-image.sh (lint + the runtime stage's files and CMD).

ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Toolchain for better-sqlite3 when no prebuilt binary matches (no network for one at build time).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# The postinstall step (npm run db:generate) needs the schemas and its script before `npm ci`.
COPY package.json package-lock.json tsconfig.json ./
COPY scripts/db-generate.mjs scripts/
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund \
 && npm cache clean --force
COPY src ./src
COPY bin ./bin
COPY demo ./demo
COPY manifests ./manifests
RUN npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/data \
    PORT=3000 \
    HOST=0.0.0.0 \
    DEMO_INVENTORY=false
WORKDIR /app
# Code and dependencies stay owned by root (read-only for the app); only /data is writable.
COPY --from=build /app/package.json /app/package-lock.json /app/tsconfig.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/src ./src
COPY --from=build /app/bin ./bin
COPY --from=build /app/demo ./demo
COPY --from=build /app/manifests ./manifests
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 3000
# No curl in the slim image: node itself asks /healthz (liveness; /readyz is for the load balancer).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "src/main.ts"]
