import { resolveLogLevel } from '../../engine/config/config.ts';
import { createJsonLogger } from '../../engine/log.ts';
import { configuredOrEmbedded } from '../embedded.ts';
import { runRoundTrip } from '../roundtrip.ts';
import { COMMON_HELP, COMMON_OPTIONS, configFlags, parseCommand, parsePositiveInt } from '../args.ts';

export const ROUNDTRIP_HELP = `stadion roundtrip: a round trip through every service:
register an Avro schema, produce records, consume them in a group, write them to ClickHouse
(twice, with one deduplication token), query them back, and print what happened.

Uses the configured services, or starts an embedded local stack when none is configured.

Options:
  --records N   how many records (default 1000)
${COMMON_HELP}`;

export async function roundtripCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseCommand('roundtrip', {
    args: [...argv],
    options: { ...COMMON_OPTIONS, records: { type: 'string' } },
    strict: true,
  });
  if (values.help === true) {
    console.log(ROUNDTRIP_HELP);
    return 0;
  }
  const flags = configFlags(values);
  const logger = createJsonLogger({ level: resolveLogLevel(flags, process.env) });
  const services = await configuredOrEmbedded(flags, logger);
  try {
    const { config } = services;
    console.log(
      `Kafka:           ${config.kafka.brokers.join(',')}${services.embedded ? ' (embedded)' : ''}`,
    );
    console.log(`Schema Registry: ${config.schemaRegistry.url}`);
    console.log(`ClickHouse:      ${config.clickhouse.url}`);
    const result = await runRoundTrip(config, {
      records: parsePositiveInt(values.records, '--records', 1000),
      logger,
    });
    console.log(`run ${result.runId}: schema id ${result.schemaId}`);
    console.log(`  produced ${result.produced} Avro records in ${result.timingsMs.produce} ms`);
    console.log(`  consumed ${result.consumed} in a consumer group in ${result.timingsMs.consume} ms`);
    console.log(
      `  inserted ${result.inserted} rows twice with one deduplication token in ${result.timingsMs.insert} ms`,
    );
    console.log(
      `  ClickHouse holds ${result.rowsInClickHouse} rows for the run, mean speed ${result.meanSpeedMps.toFixed(3)} m/s (${result.timingsMs.query} ms)`,
    );
    const ok = result.consumed === result.produced && result.rowsInClickHouse === result.produced;
    console.log(ok ? 'round trip OK' : 'round trip FAILED: counts differ');
    return ok ? 0 : 1;
  } finally {
    await services.stop();
  }
}
