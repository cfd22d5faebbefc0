# syntax=docker/dockerfile:1
# Mailroom container image: build with dev dependencies, run with production dependencies only.
#   docker build -t mailroom:0.1.0 .
#   docker run -p 3000:3000 -p 9324:9324 -e AUTH_JWT_SECRET=... -v mailroom-data:/var/lib/mailroom mailroom:0.1.0
# 9324 is the SQS endpoint (SQS_PORT; 0 turns it off); its access keys: -e SQS_CREDENTIALS_FILE=... and a mounted file.
# Secrets (AUTH_*, DATABASE_URL, MAILROOM_SECRET__*) are given at run time, never baked in.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY console ./console
RUN npm run build

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1 forwards SIGTERM to Node and reaps children; Node itself runs the drain.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /var/lib/mailroom \
  && chown 1000:1000 /var/lib/mailroom
WORKDIR /app
ENV NODE_ENV=production \
    PORT=3000 \
    SQS_PORT=9324 \
    DATA_DIR=/var/lib/mailroom \
    CONFIG_DIR=/app/config
# application files stay owned by root: the service cannot rewrite its own code
COPY package.json package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config ./config
# the handler types (package.json "types"), for editors pointed at the image's files
COPY types ./types
# the "node" user of the official image, numeric so runAsNonRoot can verify it
USER 1000:1000
VOLUME ["/var/lib/mailroom"]
EXPOSE 3000 9324
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
