# One image for the API and the Temporal worker; a second, small stage serves the built console.
FROM node:20-bookworm-slim AS app
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng libespeak-ng1 pocketsphinx pocketsphinx-en-us python3 python3-venv python3-pip ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY api/package.json api/
COPY workflows/package.json workflows/
COPY console/package.json console/
RUN npm ci --no-audit --no-fund
COPY . .
RUN bash scripts/prisma-generate.sh && npm run build -w console && bash scripts/install-whisper.sh && bash scripts/install-llm.sh && bash scripts/install-piper.sh
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000
EXPOSE 4000
CMD ["npx", "tsx", "main.ts"]

FROM nginx:1.27-alpine AS console
COPY deploy/console-nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=app /app/console/dist /usr/share/nginx/html/console
