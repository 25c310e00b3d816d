# syntax=docker/dockerfile:1
#
# Shipshape container image, built in stages so the runtime image carries no compiler, no dev
# dependencies and no build cache:
#   deps     all npm dependencies (the build and the migration runner need the dev ones)
#   build    Prisma client + `next build`
#   migrate  one-shot migration runner (`npm run db:deploy`); docker-compose runs it before the app
#   prune    the build with dev dependencies removed
#   runtime  the image that serves the app, as the unprivileged `node` user
#
# Build the app:       docker build -t shipshape .
# Build the migrator:  docker build --target migrate -t shipshape-migrate .

ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS base
WORKDIR /app
# No usage telemetry from Next.js or the Prisma CLI.
ENV NEXT_TELEMETRY_DISABLED=1 \
    CHECKPOINT_DISABLE=1

# ---------------------------------------------------------------------------------------------------
FROM base AS deps
COPY package.json package-lock.json ./
# --ignore-scripts skips the postinstall (Prisma client generation): it needs the schema and scripts,
# which arrive in the next stage. This keeps the layer cached until the lockfile changes.
RUN npm ci --ignore-scripts

# ---------------------------------------------------------------------------------------------------
FROM base AS build
# NEXT_PUBLIC_* values are inlined into the browser bundle by `next build`, so they must be known
# here, not at run time. They are public by definition; secrets never go in build args.
ARG NEXT_PUBLIC_SENTRY_DSN=""
ARG NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY=""
ENV NEXT_PUBLIC_SENTRY_DSN=${NEXT_PUBLIC_SENTRY_DSN} \
    NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY=${NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY}
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN npm run db:generate && npm run build

# ---------------------------------------------------------------------------------------------------
FROM build AS migrate
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false
USER node
# Applies pending migrations from prisma/migrations and exits. Needs DATABASE_URL.
CMD ["npm", "run", "db:deploy"]

# ---------------------------------------------------------------------------------------------------
FROM build AS prune
# Drop dev dependencies and the build cache; what is left is what `npm start` needs.
RUN npm prune --omit=dev --ignore-scripts && rm -rf .next/cache

# ---------------------------------------------------------------------------------------------------
FROM base AS runtime
ENV NODE_ENV=production
# Files stay owned by root, so the app cannot rewrite its own code. Only .next/cache, where Next.js
# keeps its runtime caches, belongs to the app's user.
COPY --from=prune /app ./
RUN mkdir .next/cache && chown node:node .next/cache
USER node
EXPOSE 3000
# Liveness: /api/health answers without touching the database. Node's fetch is used because the slim
# image has neither curl nor wget.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `npm start` without npm: the environment check (scripts/start.ts, so a bad environment prints its
# problems and nothing that looks like a start), then `next start`. tsx is a runtime dependency for this.
CMD ["node_modules/.bin/tsx", "--conditions=react-server", "scripts/start.ts", "--hostname", "0.0.0.0", "--port", "3000"]
