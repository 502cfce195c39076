# The Stadion processors, for docker-compose.yml. Against real Kafka, Schema Registry and ClickHouse
# the native mock broker is not needed, so it is not built here. TypeScript runs through tsx (a
# runtime dependency): there is no build step.
FROM node:20.20.2-bookworm-slim
ENV NODE_ENV=production
# A larger young generation: the engine allocates fast and briefly (decoded records, changelog
# values), and 64 MiB semi-spaces cut garbage-collection time (bench/README.md: traffic +10-20%).
ENV NODE_OPTIONS=--max-semi-space-size=64
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY cli ./cli
COPY engine ./engine
COPY processors ./processors
COPY schemas ./schemas
COPY sql ./sql
COPY stack ./stack
COPY tsconfig.json ./
USER node
EXPOSE 9464
ENTRYPOINT ["node", "bin/stadion.js"]
CMD ["--help"]
