# syntax=docker/dockerfile:1
# The production image: the bundled server and admin commands, run by plain node
# as a non-root user, with production dependencies only. compose.yaml runs it.
ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles itself when no prebuilt binary fits the platform.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
# The widget (Vite) and dist/server/{main,widgetAdmin}.js (esbuild); then drop
# the development dependencies (tsx, Vite, the test tools) from node_modules.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# Owned by root and read-only for the server's user: the running code cannot change itself.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# `docker compose exec widget-a widget-admin tenant add ... --json`; ./data for a SQLite file
# (mount a volume there) when DATABASE_URL is not PostgreSQL.
RUN ln -s /app/bin/widget-admin.js /usr/local/bin/widget-admin \
  && mkdir /app/data && chown node:node /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) finishes the requests in flight and exits 0 within 10 s.
CMD ["node", "--enable-source-maps", "--max-semi-space-size=4", "--heap-growing-percent=50", "--v8-pool-size=2", "bin/widget-server.js"]
