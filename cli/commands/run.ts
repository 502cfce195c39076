import { resolveLogLevel } from '../../engine/config/config.ts';
import { createClickHouse } from '../../engine/clients/clickhouse.ts';
import { createKafka } from '../../engine/clients/kafka.ts';
import { checkServices } from '../../engine/clients/reachability.ts';
import { ensureTopics } from '../../engine/clients/topics.ts';
import { StadionError } from '../../engine/errors.ts';
import { createJsonLogger } from '../../engine/log.ts';
import { EngineMetrics } from '../../engine/runtime/metrics.ts';
import { startMetricsServer } from '../../engine/runtime/metrics-server.ts';
import { DEFAULT_FLUSH_MAX_RECORDS, TopologyRunner } from '../../engine/runtime/runner.ts';
import { DEAD_LETTER_CODES, type BadRecordPolicy } from '../../engine/serde/dead-letter.ts';
import { TOPOLOGIES } from '../../processors/index.ts';
import { configuredOrEmbedded } from '../embedded.ts';
import { COMMON_HELP, COMMON_OPTIONS, configFlags, parseCommand, parsePositiveInt } from '../args.ts';

/** Prometheus port of `stadion run`. @default 9464 */
export const DEFAULT_METRICS_PORT = 9464;

export const RUN_HELP = `stadion run <topology...>: run topologies until Ctrl-C or SIGTERM (graceful: flush, commit, leave).

Instances started with the same topologies (and --group) share the partitions.

Topologies:
${Object.entries(TOPOLOGIES)
  .map(([name, entry]) => `  ${name.padEnd(16)} ${entry.summary}`)
  .join('\n')}

Options:
  --group ID              consumer group (default stadion-<topology>; with one topology only)
  --group-prefix P        consumer groups P-<topology> for every topology, and for the upstream
                          topologies whose commits give a stream its watermark (telemetry-incidents)
  --bad-records POLICY    dead-letter (default) | skip | fail   (codes: ${DEAD_LETTER_CODES.join(', ')})
  --flush-interval-ms N   longest time outputs wait for a flush (default 1000)
  --flush-max-records N   outputs (or bulk records) that trigger a flush (default 100000)
  --session-timeout-ms N  consumer group session timeout (default 10000)
  --standby               follow every state changelog as it is written, so a partition moving here
                          resumes at once (default: read them when a partition is assigned)
  --metrics-port N        Prometheus /metrics (default ${DEFAULT_METRICS_PORT}; 0 picks a free port)
  --metrics-host HOST     address /metrics listens on (default 127.0.0.1; 0.0.0.0 in a container)
${COMMON_HELP}`;

/** After a topology failed, how long stopping the others may take before the process exits anyway. */
const FAILED_EXIT_GRACE_MS = 15_000;

export async function runCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand('run', {
    args: [...argv],
    options: {
      ...COMMON_OPTIONS,
      group: { type: 'string' },
      'group-prefix': { type: 'string' },
      'bad-records': { type: 'string' },
      'flush-interval-ms': { type: 'string' },
      'flush-max-records': { type: 'string' },
      'metrics-port': { type: 'string' },
      'metrics-host': { type: 'string' },
      'session-timeout-ms': { type: 'string' },
      standby: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    console.log(RUN_HELP);
    return 0;
  }
  if (positionals.length === 0)
    throw new StadionError(
      'USAGE',
      `run: name at least one topology (${Object.keys(TOPOLOGIES).join(', ')})`,
    );
  if (values.group !== undefined && positionals.length > 1)
    // One group would mix the topologies' subscriptions and share their changelog topics.
    throw new StadionError(
      'USAGE',
      `run: --group names the group of one topology; run ${positionals.join(', ')} without it (each gets stadion-<topology>) or one per process`,
    );
  if (values.group !== undefined && values['group-prefix'] !== undefined)
    throw new StadionError('USAGE', 'run: give --group or --group-prefix, not both');
  const prefix = values['group-prefix'];
  if (prefix !== undefined && !/^[A-Za-z0-9._-]+$/.test(prefix))
    throw new StadionError(
      'USAGE',
      `run: --group-prefix takes letters, digits, ".", "_" and "-", got "${prefix}"`,
    );
  const entries = positionals.map((name) => {
    const entry = TOPOLOGIES[name];
    if (entry === undefined)
      throw new StadionError(
        'USAGE',
        `run: unknown topology "${name}" (known: ${Object.keys(TOPOLOGIES).join(', ')})`,
      );
    return entry;
  });
  const upstreamOf = entries.flatMap((e) => e.graph.sources.flatMap((s) => s.watermarkFrom?.topology ?? []));
  if (values.group !== undefined && upstreamOf.length > 0)
    // --group names this topology's group only: the upstream's would silently stay stadion-<upstream>.
    throw new StadionError(
      'USAGE',
      `run: ${positionals.join(', ')} takes its watermark from ${upstreamOf.join(', ')}: name the groups with --group-prefix`,
    );
  const policy = values['bad-records'] ?? 'dead-letter';
  if (policy !== 'dead-letter' && policy !== 'skip' && policy !== 'fail') {
    throw new StadionError('USAGE', `run: --bad-records must be dead-letter, skip or fail, got "${policy}"`);
  }
  const flags = configFlags(values);
  const logger = createJsonLogger({ level: resolveLogLevel(flags, process.env) });
  const services = await configuredOrEmbedded(flags, logger);
  const { config } = services;
  await checkServices(config);

  const clickhouse = createClickHouse(config.clickhouse);
  try {
    for (const entry of entries)
      for (const statement of entry.ddl) await clickhouse.command({ query: statement });
  } finally {
    await clickhouse.close();
  }
  await ensureTopics(
    createKafka(config.kafka, { logger }),
    config.kafka,
    entries.flatMap((e) => e.topics),
  );

  const metrics = new EngineMetrics(undefined, { defaultMetrics: true });
  const metricsServer = await startMetricsServer(
    metrics.registry,
    parsePositiveInt(values['metrics-port'], '--metrics-port', DEFAULT_METRICS_PORT, 0),
    values['metrics-host'] ?? '127.0.0.1',
  );
  const runners = entries.map(
    (entry) =>
      new TopologyRunner({
        topology: entry.graph,
        config,
        logger,
        metrics,
        badRecordPolicy: policy satisfies BadRecordPolicy,
        flushIntervalMs: parsePositiveInt(values['flush-interval-ms'], '--flush-interval-ms', 1000),
        flushMaxRecords: parsePositiveInt(
          values['flush-max-records'],
          '--flush-max-records',
          DEFAULT_FLUSH_MAX_RECORDS,
        ),
        sessionTimeoutMs: parsePositiveInt(values['session-timeout-ms'], '--session-timeout-ms', 10_000),
        standby: values.standby === true,
        ...(values.group === undefined ? {} : { groupId: values.group }),
        ...(prefix === undefined ? {} : { groupIdOf: (topology: string) => `${prefix}-${topology}` }),
      }),
  );
  // At once: each waits about 3 s for its group's first join (the coordinator's initial rebalance
  // delay), and one after the other the last of them joined its group seconds after other instances.
  await Promise.all(runners.map((runner) => runner.start()));
  console.log(`running ${positionals.join(', ')}; metrics at ${metricsServer.url}`);

  const stopped = new Promise<string>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  const failed = Promise.race(runners.map((r) => r.done)).then(() => 'stopped');
  let exitCode = 0;
  try {
    const reason = await Promise.race([stopped, failed]);
    logger.info('stopping', { reason });
  } catch (error) {
    logger.error('a topology failed', { error });
    exitCode = 1;
  }
  if (exitCode !== 0) {
    // Whatever a failed topology left behind (a client that does not close), the process ends.
    setTimeout(() => process.exit(exitCode), FAILED_EXIT_GRACE_MS).unref();
  }
  await Promise.allSettled(runners.map((r) => r.stop()));
  await metricsServer.close();
  await services.stop();
  return exitCode;
}
