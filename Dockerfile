# syntax=docker/dockerfile:1
#
# The hookhouse image: one image, one command per container (see docker-compose.yml).
#
#   docker build -t hookhouse .
#   docker run --rm hookhouse --help
#
# `start` (the default command) runs everything in one container, but its local Kafka broker needs
# Java, which this image does not have: give it KAFKA_BROKERS, or use the compose stack.
#
# The sources run as they are: Node 24 strips TypeScript types natively, so there is no compiled
# copy to drift from the code. (Node refuses to strip types under node_modules; the app lives in
# /app, not in node_modules, so that rule never applies.) The build stage still runs `npm run build`,
# so an image is only produced from sources that compile.

# ---- build: full dependency tree, compile check, then the production tree ----------------------
FROM node:24-bookworm-slim AS build
WORKDIR /app

COPY package.json package-lock.json ./
# `npm install`, not `npm ci`: package-lock.json lists chdb's native library for linux-x64 only
# (@chdb/lib-linux-x64-gnu), not its other platforms' optional packages, and `npm ci` refuses such a
# lock ("Missing: @chdb/lib-darwin-arm64@ from lock file"). `npm install` keeps every version the
# lock pins and resolves only those, whose versions chdb pins exactly. Back to `npm ci` once the
# lock lists them. The full tree holds tsc and npm's `node` package (a devDependency that pins
# Node 24 for npm scripts on machines with an older Node); neither reaches the runtime stage.
RUN npm install --no-audit --no-fund

COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY cli ./cli
COPY lib ./lib
COPY services ./services
RUN npm run build

# Drop the dev dependencies: the runtime uses the image's own Node 24, never npm's `node` package.
# chdb's native library comes from its optional dependency @chdb/lib-linux-<arch>-gnu, which needs
# glibc: bookworm has it (an Alpine image would not).
RUN npm prune --omit=dev && npm cache clean --force

# ---- runtime ------------------------------------------------------------------------------------
FROM node:24-bookworm-slim AS runtime
WORKDIR /app

# Settings of lib/config.ts that differ in a container: listen on every interface (the default,
# 127.0.0.1, is unreachable from outside the container) and keep local state in /data (the ingest
# spool; the embedded ClickHouse when CLICKHOUSE_URL is unset). Mount a volume on /data to keep it.
ENV HOST=0.0.0.0 \
    HOOKHOUSE_DATA_DIR=/data

COPY --from=build /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY cli ./cli
COPY lib ./lib
COPY services ./services
COPY schemas ./schemas
COPY migrations ./migrations
COPY dashboards ./dashboards
# lib/kafka/local-broker.ts reads the broker version from this pom when it is loaded, and every
# command loads it, even where no local broker is started.
COPY scripts/local-kafka/pom.xml ./scripts/local-kafka/pom.xml

# The code stays root-owned and read-only for the app; only /data is the app's to write.
RUN mkdir -p /data && chown node:node /data
USER node

# INGEST_PORT and DASHBOARDS_PORT defaults (lib/config.ts).
EXPOSE 8080 8081

# Answers for `start` and `ingest`, which serve the ingest port; the compose file points the
# dashboards' check at their own port and turns the check off for `projector` and `migrate`.
# The slim image has no curl: Node's fetch does the request.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.INGEST_PORT || '8080') + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["node", "bin/hookhouse.ts"]
CMD ["start"]
