import { randomUUID } from 'node:crypto';
import { createClickHouse } from '../../engine/clients/clickhouse.ts';
import { createKafka } from '../../engine/clients/kafka.ts';
import { createSchemaRegistry } from '../../engine/clients/registry.ts';
import { ensureTopics } from '../../engine/clients/topics.ts';
import { resolveLogLevel } from '../../engine/config/config.ts';
import { StadionError } from '../../engine/errors.ts';
import { createJsonLogger } from '../../engine/log.ts';
import { EngineMetrics } from '../../engine/runtime/metrics.ts';
import { TopologyRunner } from '../../engine/runtime/runner.ts';
import { TOPOLOGIES } from '../../processors/index.ts';
import { produceFrames, produceSessions } from '../../processors/tracking/produce.ts';
import { simulateMatch, simulateSprint } from '../../processors/tracking/simulate/index.ts';
import { configuredOrEmbedded } from '../embedded.ts';
import { renderTable } from '../table.ts';
import { COMMON_HELP, COMMON_OPTIONS, configFlags, parseCommand, parsePositiveInt } from '../args.ts';

export const DEMO_HELP = `stadion demo: the main job (npm start). Simulates a 100 m final (8 lanes, 50 fps, noisy,
dropped, duplicated and reordered frames) and a short football match, runs them through the tracking
topology (Kafka -> kinematics -> ClickHouse and stats topics), and prints the result.

Uses the configured services, or starts an embedded local stack when none is configured.

Options:
  --seed N          (default: a new one each run)
  --match-seconds S length of the match (default 70: one full minute of workload)
${COMMON_HELP}`;

export async function demoCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseCommand('demo', {
    args: [...argv],
    options: { ...COMMON_OPTIONS, seed: { type: 'string' }, 'match-seconds': { type: 'string' } },
    strict: true,
  });
  if (values.help === true) {
    console.log(DEMO_HELP);
    return 0;
  }
  const seed = parsePositiveInt(values.seed, '--seed', Math.floor(Math.random() * 1_000_000), 0);
  const matchSeconds = parsePositiveInt(values['match-seconds'], '--match-seconds', 70);
  const flags = configFlags(values);
  const logger = createJsonLogger({
    level: resolveLogLevel(flags, process.env) === 'info' ? 'warn' : resolveLogLevel(flags, process.env),
  });
  const services = await configuredOrEmbedded(flags, logger);
  const entry = TOPOLOGIES['tracking'];
  if (entry === undefined) throw new StadionError('INTERNAL', 'the tracking topology is not registered');
  const { config } = services;
  const clickhouse = createClickHouse(config.clickhouse);
  const runner = new TopologyRunner({
    topology: entry.graph,
    config,
    logger,
    metrics: new EngineMetrics(),
    groupId: 'stadion-demo',
    flushIntervalMs: 250,
    sessionTimeoutMs: 6_000,
  });
  try {
    console.log(
      `Kafka ${config.kafka.brokers.join(',')}, registry ${config.schemaRegistry.url}, ClickHouse ${config.clickhouse.url}${services.embedded ? ' (embedded)' : ''}`,
    );
    for (const statement of entry.ddl) await clickhouse.command({ query: statement });
    const kafka = createKafka(config.kafka, { logger });
    await ensureTopics(kafka, config.kafka, entry.topics);
    await runner.start();

    const run = randomUUID().slice(0, 8);
    const startMs = Date.now() + 1_000;
    const final = simulateSprint({
      seed,
      sessionId: `m100-final-${run}`,
      distanceM: 100,
      startSignalMs: startMs,
    });
    const match = simulateMatch({
      seed: seed + 1,
      sessionId: `match-${run}`,
      durationS: matchSeconds,
      kickoffMs: startMs,
    });
    console.log(
      `seed ${seed}: 100 m final ${final.session.sessionId} (${final.frames.length} frames), match ${match.session.sessionId} (${match.frames.length} frames)`,
    );
    const producer = kafka.producer();
    await producer.connect();
    const registry = createSchemaRegistry(config.schemaRegistry);
    const started = performance.now();
    await produceSessions(producer, registry, [final.session, match.session]);
    await produceFrames(producer, registry, [...final.frames, ...match.frames], 'max');
    await producer.disconnect();

    const query = async <T>(sql: string, params: Record<string, unknown>): Promise<T[]> =>
      (await clickhouse.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json<T>();
    const deadline = Date.now() + 120_000;
    for (;;) {
      const [done] = await query<{ n: string }>(
        'SELECT count() AS n FROM tracking_athlete_summary WHERE session_id = {s:String}',
        { s: final.session.sessionId },
      );
      const [minutes] = await query<{ n: string }>(
        'SELECT count() AS n FROM tracking_workload_minutes WHERE session_id = {s:String}',
        { s: match.session.sessionId },
      );
      if (Number(done?.n) >= final.truth.length && Number(minutes?.n) >= 22) break;
      if (Date.now() > deadline)
        throw new StadionError(
          'SERVICE_UNREACHABLE',
          'the pipeline did not finish the race and the first match minute within 120 s',
        );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    console.log(`processed in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

    const board = await query<Record<string, unknown>>(
      'SELECT place, athlete_id, finish_time_s, top_speed_mps, top_speed_at_m, deceleration_last_20m_mps, stride_count FROM tracking_leaderboard WHERE session_id = {s:String} ORDER BY place',
      { s: final.session.sessionId },
    );
    const names = new Map(
      final.session.athletes.map((a) => [a.athleteId, `${a.name} (lane ${a.lane ?? '?'})`]),
    );
    console.log(`100 m final: result`);
    console.log(
      renderTable(
        ['place', 'athlete', 'time s', 'top m/s', 'at m', 'decel m/s', 'steps'],
        board.map((r) => [
          r['place'],
          names.get(String(r['athlete_id'])) ?? r['athlete_id'],
          r['finish_time_s'],
          r['top_speed_mps'],
          r['top_speed_at_m'],
          r['deceleration_last_20m_mps'],
          r['stride_count'],
        ]),
      ),
    );
    const splits = await query<{ athlete_id: string; mark_m: number; time_s: number }>(
      'SELECT athlete_id, mark_m, round(time_s, 2) AS time_s FROM tracking_splits WHERE session_id = {s:String} ORDER BY athlete_id, mark_m',
      { s: final.session.sessionId },
    );
    const marks = [...new Set(splits.map((s) => s.mark_m))].sort((a, b) => a - b);
    console.log(`\n10 m splits, seconds from the gun`);
    console.log(
      renderTable(
        ['athlete', ...marks.map((m) => `${m} m`)],
        board.map((r) => [
          names.get(String(r['athlete_id'])) ?? r['athlete_id'],
          ...marks.map(
            (m) => splits.find((s) => s.athlete_id === r['athlete_id'] && s.mark_m === m)?.time_s ?? '',
          ),
        ]),
      ),
    );
    const workload = await query<Record<string, unknown>>(
      `SELECT athlete_id, round(distance_m) AS distance_m, round(high_speed_distance_m) AS hsr_m, sprint_count
       FROM tracking_workload_minutes WHERE session_id = {s:String} AND minute_index = 0 ORDER BY distance_m DESC LIMIT 5`,
      { s: match.session.sessionId },
    );
    console.log(`\nMatch, first minute: the five players who ran the most`);
    console.log(
      renderTable(
        ['player', 'distance m', 'high-speed m', 'sprints'],
        workload.map((r) => [r['athlete_id'], r['distance_m'], r['hsr_m'], r['sprint_count']]),
      ),
    );
    console.log(
      `\nQuery more with stadion sql (with "npx stadion up" running, or your own services configured), e.g.:`,
    );
    console.log(
      `  npx stadion sql "SELECT * FROM tracking_leaderboard WHERE session_id = '${final.session.sessionId}'"`,
    );
    console.log(`  npx stadion sql "SELECT * FROM tracking_fastest_splits LIMIT 10"`);
    console.log(
      `Live stats and split events are on the Kafka topics tracking.live-stats and tracking.splits (Avro, registered).`,
    );
    return 0;
  } finally {
    await runner.stop().catch(() => undefined);
    await clickhouse.close();
    await services.stop();
  }
}
