# syntax=docker/dockerfile:1
# growthbot: multi-stage build. The first stage installs the dependencies (and builds better-sqlite3
# if no prebuilt binary fits), compiles the bot into dist/ and drops the dev dependencies; the second
# holds only what the bot runs.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY adapters ./adapters
COPY commands ./commands
COPY migrations ./migrations
# npm ci runs the prepare script, which builds dist/
RUN npm ci && npm prune --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    DATABASE_URL=sqlite:/app/data/bot.db \
    OUT_DIR=/app/out \
    PORT=3000 \
    SHUTDOWN_GRACE_S=20
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/dist ./dist
COPY package.json package-lock.json ./
COPY scripts/start.mjs scripts/build.mjs ./scripts/
COPY examples ./examples
RUN mkdir -p /app/data /app/out && chown node:node /app/data /app/out
USER node
VOLUME ["/app/data"]
EXPOSE 3000
# /healthz on HEALTH_PORT when set, else on PORT (served whenever Slack or Discord runs)
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.HEALTH_PORT || process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `npm start` without npm, which would not pass SIGTERM on: one node process that gets the signal itself
CMD ["node", "scripts/start.mjs"]
