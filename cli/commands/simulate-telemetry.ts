import { produceCatalogue, produceSamples } from '../../processors/telemetry/produce.ts';
import { simulateTelemetry } from '../../processors/telemetry/simulate/index.ts';
import { TOPOLOGIES } from '../../processors/index.ts';
import { COMMON_HELP, COMMON_OPTIONS, configFlags, parseCommand, parsePositiveInt } from '../args.ts';
import { withFeedProducer } from '../feed-producer.ts';
import { parseRate } from './simulate-tracking.ts';

export const SIMULATE_TELEMETRY_HELP = `stadion simulate telemetry: produce simulated broadcast feed telemetry to Kafka (Avro, registered schemas).

A feed catalogue on a competition-day schedule, broadcasters behind points of presence, one SRT-style
sample per live (feed, broadcaster) per second, and injected incidents with known ground truth: a
POP-wide degradation, an encoder fault, a broadcaster's last mile, and short blips that must raise no
alert. Deterministic for a seed; the ground truth is printed at the end (JSON, one incident a line).

Options:
  --feeds N          feeds in the catalogue (default 500)
  --broadcasters N   receiving broadcasters (default 30)
  --pops N           points of presence (default 6)
  --duration S       event-time length in seconds (default 600)
  --incidents N      incidents of each kind: pop, feed, broadcaster (default 1)
  --blips N          blips (default 3)
  --now              move event times so the run starts now (default: 2026-08-01 10:00 UTC)
  --rate max|realtime  as fast as possible (default) or paced to event time
  --seed N           (default 1)
${COMMON_HELP}`;

export async function simulateTelemetryCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseCommand('simulate telemetry', {
    args: [...argv],
    options: {
      ...COMMON_OPTIONS,
      feeds: { type: 'string' },
      broadcasters: { type: 'string' },
      pops: { type: 'string' },
      duration: { type: 'string' },
      incidents: { type: 'string' },
      blips: { type: 'string' },
      now: { type: 'boolean' },
      rate: { type: 'string' },
      seed: { type: 'string' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(SIMULATE_TELEMETRY_HELP);
    return 0;
  }
  const rate = parseRate(values.rate);
  const perKind = parsePositiveInt(values.incidents, '--incidents', 1, 0);
  const sim = simulateTelemetry({
    seed: parsePositiveInt(values.seed, '--seed', 1, 0),
    feeds: parsePositiveInt(values.feeds, '--feeds', 500),
    broadcasters: parsePositiveInt(values.broadcasters, '--broadcasters', 30),
    pops: parsePositiveInt(values.pops, '--pops', 6),
    durationS: parsePositiveInt(values.duration, '--duration', 600),
    incidents: {
      pop: perKind,
      feed: perKind,
      broadcaster: perKind,
      blip: parsePositiveInt(values.blips, '--blips', 3, 0),
    },
  });

  await withFeedProducer(configFlags(values), TOPOLOGIES['telemetry']?.topics ?? [], async (ctx) => {
    await produceCatalogue(ctx.producer, ctx.registry, sim.catalogue);
    const started = performance.now();
    const { sent, shiftMs } = await produceSamples(ctx.producer, ctx.registry, sim.samples(), {
      rate,
      shiftMs: values.now === true ? 'now' : 0,
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `produced ${sim.catalogue.length} catalogue entries and ${sent} samples (${sim.world.pairs.length} feed x broadcaster pairs) in ${seconds.toFixed(2)} s`,
    );
    for (const incident of sim.incidents)
      console.log(
        JSON.stringify({
          ...incident,
          startMs: incident.startMs + shiftMs,
          endMs: incident.endMs + shiftMs,
        }),
      );
  });
  return 0;
}
