# syntax=docker/dockerfile:1
# Multi-stage build. Targets:
#   build    everything (dev dependencies, sources, tests, compiled dist/)
#   test     build + Chromium for the browser test: docker-compose.test.yml runs the integration and e2e suites in it
#   runtime  (default) compiled JS + production dependencies only, as the non-root `node` user
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY tsconfig.json tsconfig.build.json nest-cli.json jest.config.js ./
COPY src ./src
COPY migrations ./migrations
COPY scripts ./scripts
COPY test ./test
RUN npm run build

# The e2e suite drives the web page in a headless browser: Debian's Chromium, in the build stage only.
FROM build AS test
RUN apt-get update && apt-get install -y --no-install-recommends chromium && rm -rf /var/lib/apt/lists/*

FROM build AS prod-deps
RUN npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
# NODE_ENV=production: JSON logs (LOG_FORMAT's default). DATA_DIR only matters without DATABASE_URL.
# HOST=0.0.0.0: inside a container loopback is unreachable from the published port; set API_KEYS before
# publishing it beyond your machine (the service warns at start-up when it listens openly without keys).
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 DATA_DIR=/data/pglite
WORKDIR /app
COPY --from=prod-deps /app/package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
# Ready = database, pgvector, migrations and embedder all answer (GET /health/ready; open even with API_KEYS).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# `node dist/scripts/migrate.js up|pending` in the same image applies or lists migrations (see docker-compose.yml).
# A young generation of 3 x 8 MB (V8's default grows to 3 x 64 MB): a 50 MB text then peaks at ~270 MB RSS, not ~360.
CMD ["node", "--max-semi-space-size=8", "dist/src/main.js"]
