# honeywatch server (and, with another command, the collector); see docs/deployment.md.
# Deno comes from npm, like every other dependency, so the image builds wherever npm is reachable.
FROM node:22-bookworm-slim

ARG DENO_VERSION=2.9.6
RUN npm install -g --no-fund --no-audit "deno@${DENO_VERSION}" && deno --version

ENV DENO_DIR=/deno-dir DENO_NO_UPDATE_CHECK=1
WORKDIR /app
COPY . .
# Dependencies and the island bundles are fetched and built at image build time, not at start.
RUN deno install --frozen \
  && deno task bundle \
  && deno cache main.ts collector/main.ts tools/token.ts \
  && useradd --system --uid 10001 --home-dir /data honeywatch \
  && install -d -o honeywatch -g honeywatch /data /state \
  && chown -R honeywatch:honeywatch /deno-dir \
  && chmod -R a+rX /app

USER honeywatch
ENV PORT=8000 HONEYWATCH_KV=/data/honeywatch.kv
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/api/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Every option is an environment variable (HONEYWATCH_*); see docs/configuration.md.
CMD ["deno", "run", "--allow-net", "--allow-read", "--allow-write=/data", "--allow-env", "main.ts"]
