# syntax=docker/dockerfile:1
# Thriftline: multi-stage build on the current Node LTS (24). The build stage compiles TypeScript to
# dist/; the runtime stage has production dependencies only (no tsx: it runs the compiled JS) and
# runs as a non-root user. The CLI is on the PATH: `docker run --rm thriftline thriftline check config/gateway.yaml`.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    GATEWAY_CONFIG=config/gateway.yaml
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# dist/main.js reads ../package.json (version) and ../config/models.yaml (catalog).
COPY config ./config
# bin/thriftline.js runs dist/cli/main.js when there are no sources (as here).
COPY bin ./bin
RUN ln -s /app/bin/thriftline.js /usr/local/bin/thriftline
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node itself is PID 1 (no shell in between), so SIGTERM reaches it and the gateway
# drains in-flight requests and streams before exiting (SHUTDOWN_TIMEOUT_MS).
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
