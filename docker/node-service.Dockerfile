# syntax=docker/dockerfile:1
# Every image of the platform, one target each (compose.yaml builds them all):
#   docker build -f docker/node-service.Dockerfile --target api --build-arg SERVICE=services/api .
#   docker build -f docker/node-service.Dockerfile --target marketplace-worker --build-arg SERVICE=services/marketplace-worker .
#   docker build -f docker/node-service.Dockerfile --build-arg SERVICE=services/notifier --build-arg PORT=3001 .
# SERVICE is the workspace directory whose src/main.ts the image runs (a service, or a fake:
# packages/fake-graph); PORT is where it listens and where HEALTHCHECK looks for /healthz.
#
# Services run their TypeScript through tsx (a dependency of each), so nothing is compiled:
# the build stages install the workspace once (shared by every image), build the dashboard,
# and `pnpm deploy` copies one service with its production dependencies alone. The images run
# as the unprivileged `node` user under tini, which forwards SIGTERM to node (graceful
# shutdown) and reaps Chromium's zombies.

ARG NODE_IMAGE=node:20.20-bookworm-slim

# ---- build stages
FROM ${NODE_IMAGE} AS pnpm
WORKDIR /repo
ENV CI=true
# pnpm at the version pinned in package.json's packageManager field.
COPY package.json ./
RUN npm install -g --no-fund --no-audit "pnpm@$(node -p 'require("./package.json").packageManager.replace(/^pnpm@/, "")')" \
  && npm cache clean --force

FROM pnpm AS workspace
# Downloads depend on the lockfile alone, so this layer survives source changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch --frozen-lockfile
COPY . .
RUN pnpm install --frozen-lockfile --offline

FROM workspace AS deploy
ARG SERVICE
RUN test -f "$SERVICE/src/main.ts" \
  || { echo "SERVICE=$SERVICE: pass --build-arg SERVICE=<a workspace directory with src/main.ts>, e.g. services/api" >&2; exit 1; }
RUN pnpm --filter "./$SERVICE" deploy --prod --legacy /deploy
# A deployed @autoposter/db reads its migrations from beside its source (packages/db/src/migrate.ts).
RUN db="$(readlink -f /deploy/node_modules/@autoposter/db || true)"; \
    if [ -d "$db" ]; then cp -r migrations "$db/migrations"; fi

FROM workspace AS dashboard
RUN pnpm --filter @autoposter/web build

# ---- runtime base: tini as PID 1, the media volume's mount point owned by the service user
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /data/media && chown node:node /data/media
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 MEDIA_DIR=/data/media
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "src/main.ts"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"

# ---- the gateway, serving the built dashboard at /
FROM runtime AS api
COPY --from=deploy /deploy /app
COPY --from=dashboard /repo/services/web/dist /app/web
ENV PORT=3000 WEB_DIST_DIR=/app/web
USER node

# ---- the marketplace worker, with Debian's Chromium for Playwright to drive
FROM runtime AS marketplace-worker
# Debian bookworm's `chromium` (bookworm-security follows Chrome stable): 156.0.8078.114-1~deb12u1
# when this was written, driven by playwright-core 1.65. Pin one with --build-arg
# CHROMIUM_VERSION=<Debian version>; the image records the one it got in /etc/chromium-version.
ARG CHROMIUM_VERSION=""
RUN apt-get update \
  && apt-get install -y --no-install-recommends "chromium${CHROMIUM_VERSION:+=$CHROMIUM_VERSION}" fonts-liberation \
  && rm -rf /var/lib/apt/lists/* \
  && chromium --version | tee /etc/chromium-version
COPY --from=deploy /deploy /app
# Docker's default seccomp profile forbids the namespaces Chromium's sandbox needs: the
# container is its boundary (an unprivileged user, nothing else in it).
ENV PORT=3101 CHROMIUM_PATH=/usr/bin/chromium BROWSER_SANDBOX=false
USER node

# ---- any other service (the notifier, the Meta worker, the fakes): the default target
FROM runtime AS service
ARG PORT=3000
COPY --from=deploy /deploy /app
ENV PORT=${PORT}
USER node
