import { StadionError } from '../../engine/errors.ts';
import { produceFrames, produceSessions } from '../../processors/tracking/produce.ts';
import { simulateMatch, simulateSprint } from '../../processors/tracking/simulate/index.ts';
import { COMMON_HELP, COMMON_OPTIONS, configFlags, parseCommand, parsePositiveInt } from '../args.ts';
import { withFeedProducer } from '../feed-producer.ts';
import { TOPOLOGIES } from '../../processors/index.ts';

export const SIMULATE_TRACKING_HELP = `stadion simulate tracking: produce simulated athlete tracking to Kafka (Avro, registered schemas).

Sprint races (8 lanes, velocity and gait models, noise, dropped, duplicated and reordered frames) and
team-sport matches (22 players + ball at 25 fps), deterministic for a seed.

Options:
  --races N          sprint races (default 1)
  --distance M       100 or 200 (default 100)
  --fps N            50 or 60 (default 50)
  --matches N        matches (default 0)
  --duration S       match length in seconds (default 120)
  --rate max|realtime  as fast as possible (default) or paced to event time
  --seed N           (default 1)
${COMMON_HELP}`;

/** `--rate max|realtime`, checked. */
export function parseRate(raw: string | undefined): 'max' | 'realtime' {
  const rate = raw ?? 'max';
  if (rate !== 'max' && rate !== 'realtime')
    throw new StadionError('USAGE', `simulate: --rate must be max or realtime, got "${rate}"`);
  return rate;
}

export async function simulateTrackingCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseCommand('simulate tracking', {
    args: [...argv],
    options: {
      ...COMMON_OPTIONS,
      races: { type: 'string' },
      distance: { type: 'string' },
      fps: { type: 'string' },
      matches: { type: 'string' },
      duration: { type: 'string' },
      rate: { type: 'string' },
      seed: { type: 'string' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(SIMULATE_TRACKING_HELP);
    return 0;
  }
  const rate = parseRate(values.rate);
  const distance = parsePositiveInt(values.distance, '--distance', 100);
  if (distance !== 100 && distance !== 200) throw new StadionError('USAGE', '--distance must be 100 or 200');
  const fps = parsePositiveInt(values.fps, '--fps', 50);
  if (fps !== 50 && fps !== 60) throw new StadionError('USAGE', '--fps must be 50 or 60');
  const seed = parsePositiveInt(values.seed, '--seed', 1, 0);
  const races = parsePositiveInt(values.races, '--races', 1, 0);
  const matches = parsePositiveInt(values.matches, '--matches', 0, 0);
  const durationS = parsePositiveInt(values.duration, '--duration', 120);

  await withFeedProducer(configFlags(values), TOPOLOGIES['tracking']?.topics ?? [], async (ctx) => {
    const nowMs = Date.now() + 2_000;
    const sims = [
      ...Array.from({ length: races }, (_, i) =>
        simulateSprint({ seed: seed + i, distanceM: distance, fps, startSignalMs: nowMs + i * 1_000 }),
      ),
      ...Array.from({ length: matches }, (_, i) =>
        simulateMatch({ seed: seed + 1_000 + i, durationS, kickoffMs: nowMs }),
      ),
    ];
    await produceSessions(
      ctx.producer,
      ctx.registry,
      sims.map((s) => s.session),
    );
    const frames = sims
      .flatMap((s) => s.frames.map((frame, index) => ({ frame, order: index / s.frames.length })))
      .sort((a, b) => a.order - b.order)
      .map((f) => f.frame);
    const started = performance.now();
    await produceFrames(ctx.producer, ctx.registry, frames, rate);
    const seconds = (performance.now() - started) / 1000;
    for (const sim of sims)
      console.log(
        `session ${sim.session.sessionId} (${sim.session.discipline}): ${sim.frames.length} frames`,
      );
    console.log(`produced ${frames.length} frames in ${seconds.toFixed(2)} s`);
  });
  return 0;
}
