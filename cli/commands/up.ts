import { resolveDataDir, resolveLogLevel } from '../../engine/config/config.ts';
import { createJsonLogger } from '../../engine/log.ts';
import {
  DEFAULT_CLICKHOUSE_PORT,
  DEFAULT_LOCAL_BROKERS,
  DEFAULT_REGISTRY_PORT,
  startLocalStack,
} from '../../stack/local-stack.ts';
import {
  COMMON_HELP,
  COMMON_OPTIONS,
  configFlags,
  parseCommand,
  parsePositiveInt,
  parseTopicSpec,
} from '../args.ts';

export const UP_HELP = `stadion up: start the local stack on loopback and keep it running until Ctrl-C or SIGTERM.

  Kafka:           librdkafka's mock cluster in its own process (native launcher)
  Schema Registry: Confluent REST API, persisted in DATA_DIR/registry
  ClickHouse:      chDB served as the ClickHouse HTTP interface, data in DATA_DIR/clickhouse

Once everything answers it prints KAFKA_BROKERS=..., SCHEMA_REGISTRY_URL=..., CLICKHOUSE_URL=... and
writes them to DATA_DIR/stack.env, which the other stadion commands read.

Options:
  --brokers N               number of mock brokers (default ${DEFAULT_LOCAL_BROKERS})
  --topic NAME:PARTITIONS   create a topic at start (repeatable)
  --registry-port PORT      (default ${DEFAULT_REGISTRY_PORT}; 0 picks a free port)
  --clickhouse-port PORT    (default ${DEFAULT_CLICKHOUSE_PORT}; 0 picks a free port)
  --partition-max-batches N make each partition drop its oldest batches beyond N, as a real
                            cluster's retention would (to see data-loss detection at work)
${COMMON_HELP}`;

export async function upCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseCommand('up', {
    args: [...argv],
    options: {
      ...COMMON_OPTIONS,
      brokers: { type: 'string' },
      topic: { type: 'string', multiple: true },
      'registry-port': { type: 'string' },
      'clickhouse-port': { type: 'string' },
      'partition-max-batches': { type: 'string' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(UP_HELP);
    return 0;
  }
  const flags = configFlags(values);
  const logger = createJsonLogger({ level: resolveLogLevel(flags, process.env) });
  const startedAt = performance.now();
  const stack = await startLocalStack({
    dataDir: resolveDataDir(flags, process.env),
    brokers: parsePositiveInt(values.brokers, '--brokers', DEFAULT_LOCAL_BROKERS),
    topics: (values.topic ?? []).map(parseTopicSpec),
    registryPort: parsePositiveInt(values['registry-port'], '--registry-port', DEFAULT_REGISTRY_PORT, 0),
    clickhousePort: parsePositiveInt(
      values['clickhouse-port'],
      '--clickhouse-port',
      DEFAULT_CLICKHOUSE_PORT,
      0,
    ),
    logger,
    ...(values['partition-max-batches'] === undefined
      ? {}
      : {
          partitionMaxBatches: parsePositiveInt(
            values['partition-max-batches'],
            '--partition-max-batches',
            1,
          ),
        }),
  });
  const readyMs = Math.round(performance.now() - startedAt);
  for (const [name, value] of Object.entries(stack.endpoints)) console.log(`${name}=${value}`);
  console.log(`# ready in ${readyMs} ms; endpoints written to ${stack.envFilePath}; Ctrl-C stops the stack`);
  logger.info('local stack ready', { readyMs, ...stack.endpoints, patchedBroker: stack.broker.patched });

  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info('stopping the local stack', { signal });
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await stack.stop();
  logger.info('local stack stopped');
  return 0;
}
