# The Stadion processors, for docker-compose.yml. Against real Kafka, Schema Registry and ClickHouse
# the native mock broker is not needed, so it is not built here.
FROM node:20.20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY cli ./cli
COPY engine ./engine
COPY processors ./processors
COPY schemas ./schemas
COPY sql ./sql
COPY stack ./stack
USER node
ENTRYPOINT ["node", "bin/stadion.js"]
CMD ["--help"]
