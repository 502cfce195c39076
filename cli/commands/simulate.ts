import { StadionError } from '../../engine/errors.ts';
import { SIMULATE_FEEDS } from '../feeds.ts';

export const SIMULATE_HELP = `stadion simulate <feed> [options]: produce a simulated feed to Kafka (Avro, registered schemas),
deterministic for a seed.

Feeds:
${Object.entries(SIMULATE_FEEDS)
  .map(([name, feed]) => `  ${name.padEnd(10)} ${feed.summary}`)
  .join('\n')}

stadion simulate <feed> --help lists the feed's options.`;

export async function simulateCommand(argv: readonly string[]): Promise<number> {
  const [feed, ...rest] = argv;
  if (feed === undefined || feed === '--help' || feed === '-h') {
    console.log(SIMULATE_HELP);
    return feed === undefined ? 2 : 0;
  }
  const simulator = SIMULATE_FEEDS[feed];
  if (simulator === undefined)
    throw new StadionError(
      'USAGE',
      `simulate: unknown feed "${feed}" (known: ${Object.keys(SIMULATE_FEEDS).join(', ')})`,
    );
  return simulator.run(rest);
}
