# syntax=docker/dockerfile:1
# One image recipe for every Node service:
#   docker build --build-arg SERVICE=api -f docker/node-service.Dockerfile .
# There is no build step: services run their TypeScript through tsx, so every dependency
# (tsx is a root devDependency) is installed.

ARG NODE_IMAGE=node:20.20-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
# pnpm at the version pinned in package.json's packageManager field.
COPY package.json ./
RUN npm install -g --no-fund --no-audit "pnpm@$(node -p 'require("./package.json").packageManager.replace(/^pnpm@/, "")')" \
  && npm cache clean --force

FROM base AS deps
ENV CI=true
# Downloads depend on the lockfile alone, so this layer survives source changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch --frozen-lockfile
COPY . .
RUN pnpm install --frozen-lockfile --offline

# The installed tree without pnpm's store; code stays owned by root, the service writes only to /data and /tmp.
FROM base AS runtime
# System packages a service needs (the marketplace worker: chromium).
ARG APT_PACKAGES=""
RUN if [ -n "$APT_PACKAGES" ]; then \
      apt-get update && apt-get install -y --no-install-recommends $APT_PACKAGES && rm -rf /var/lib/apt/lists/*; \
    fi
COPY --from=deps /app /app
ARG SERVICE
RUN test -f "services/$SERVICE/src/main.ts" \
  || { echo "SERVICE=$SERVICE: pass --build-arg SERVICE=<a directory of services/ with src/main.ts>" >&2; exit 1; }
RUN mkdir -p /data/media && chown node:node /data/media
ENV NODE_ENV=production SERVICE=${SERVICE} MEDIA_DIR=/data/media
USER node
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["sh", "-c", "exec node --import tsx services/$SERVICE/src/main.ts"]
