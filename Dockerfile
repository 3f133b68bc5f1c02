# syntax=docker/dockerfile:1
# doms CLI image: `docker run --rm doms:local run order` etc. (see docker-compose.yml).

# ---- build: compile the TypeScript (src/ -> dist/) ----
FROM node:20-alpine AS build
WORKDIR /app
# Dependencies first so the layer is reused while only the sources change. --ignore-scripts:
# the package's "prepare" script runs the build, which needs the sources copied below.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies + compiled JavaScript only ----
FROM node:20-alpine AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY web ./web
COPY --from=build /app/dist ./dist
USER node
# The order service's HTTP API (PORT, default 8081).
EXPOSE 8081
ENTRYPOINT ["node", "bin/doms.js"]
CMD ["--help"]
