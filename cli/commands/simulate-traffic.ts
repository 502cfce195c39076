import { StadionError } from '../../engine/errors.ts';
import { TOPOLOGIES } from '../../processors/index.ts';
import { produceNetwork, produceReadings } from '../../processors/traffic/produce.ts';
import { isPlanName, simulateTraffic, type PlanName } from '../../processors/traffic/simulate/index.ts';
import { COMMON_HELP, COMMON_OPTIONS, configFlags, parseCommand, parsePositiveInt } from '../args.ts';
import { withFeedProducer } from '../feed-producer.ts';

export const SIMULATE_TRAFFIC_HELP = `stadion simulate traffic: produce a simulated day of road traffic sensors to Kafka (Avro).

A seeded road network around venues (corridors in and out of each venue), a cell transmission traffic
model (time-of-day demand, arrival waves before sessions and egress after them, capacity drop, queues
spilling back), detector stations reporting every 30 s per lane with noise and faults (stuck at zero,
silent, lost readings). The same day runs under each plan, tagged with its scenario id, interleaved.

Options:
  --venues N         venues (default 4)
  --corridors N      approach roads per venue (default 4)
  --segments N       segments per corridor and direction (default 10)
  --hours H          length of the day (default 24, from 04:00 UTC on 2026-07-24)
  --sessions N       sessions per venue (default 2)
  --plans A,B        plans to simulate: baseline, closure (default both)
  --seed N           (default 1)
${COMMON_HELP}`;

export async function simulateTrafficCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseCommand('simulate traffic', {
    args: [...argv],
    options: {
      ...COMMON_OPTIONS,
      venues: { type: 'string' },
      corridors: { type: 'string' },
      segments: { type: 'string' },
      hours: { type: 'string' },
      sessions: { type: 'string' },
      plans: { type: 'string' },
      seed: { type: 'string' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(SIMULATE_TRAFFIC_HELP);
    return 0;
  }
  const plans = (values.plans ?? 'baseline,closure').split(',').map((p) => p.trim());
  const unknown = plans.filter((p) => !isPlanName(p));
  if (unknown.length > 0) throw new StadionError('USAGE', `--plans: unknown plan(s) ${unknown.join(', ')}`);
  const sim = simulateTraffic({
    venues: parsePositiveInt(values.venues, '--venues', 4),
    corridorsPerVenue: parsePositiveInt(values.corridors, '--corridors', 4),
    segmentsPerCorridor: parsePositiveInt(values.segments, '--segments', 10),
    hours: parsePositiveInt(values.hours, '--hours', 24),
    sessionsPerVenue: parsePositiveInt(values.sessions, '--sessions', 2),
    plans: plans as PlanName[],
    seed: parsePositiveInt(values.seed, '--seed', 1, 0),
  });
  await withFeedProducer(configFlags(values), TOPOLOGIES['traffic']?.topics ?? [], async (ctx) => {
    await produceNetwork(ctx.producer, ctx.registry, sim.segments, sim.scenarios);
    const started = performance.now();
    const { records, laneReadings } = await produceReadings(
      ctx.producer,
      ctx.registry,
      sim.scenarios.map((s) => sim.readings(s.scenarioId)),
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${sim.segments.length} segments, plans ${sim.scenarios.map((s) => s.scenarioId).join(', ')}, ${sim.faults.length} sensor faults`,
    );
    console.log(
      `produced ${records} station records (${laneReadings} lane readings) in ${seconds.toFixed(2)} s`,
    );
  });
  return 0;
}
