/** The `stadion` command line: one function per command, each with its own --help. */
import { describeError, StadionError } from '../engine/errors.ts';
import { demoCommand } from './commands/demo.ts';
import { ingestCommand } from './commands/ingest.ts';
import { roundtripCommand } from './commands/roundtrip.ts';
import { runCommand } from './commands/run.ts';
import { simulateCommand } from './commands/simulate.ts';
import { sqlCommand } from './commands/sql.ts';
import { topicsCommand } from './commands/topics.ts';
import { upCommand } from './commands/up.ts';

type Command = (argv: readonly string[]) => Promise<number>;

const COMMANDS: Readonly<Record<string, { run: Command; summary: string }>> = {
  up: { run: upCommand, summary: 'start the local stack (Kafka, Schema Registry, ClickHouse) on loopback' },
  sql: { run: sqlCommand, summary: 'run SQL on ClickHouse and print the result' },
  topics: { run: topicsCommand, summary: 'list topics with partitions and end offsets; create topics' },
  run: { run: runCommand, summary: 'run topologies (stream processing into ClickHouse and Kafka)' },
  ingest: {
    run: ingestCommand,
    summary: 'replay recorded feeds (tracking) from JSON lines, validated line by line',
  },
  simulate: { run: simulateCommand, summary: 'produce simulated feeds (tracking) to Kafka' },
  demo: {
    run: demoCommand,
    summary: 'a 100 m final and a short match through the tracking pipeline (npm start)',
  },
  roundtrip: {
    run: roundtripCommand,
    summary: 'round trip through every service: registry, Kafka, ClickHouse',
  },
};

export const MAIN_HELP = `stadion: stream-processing analytics on Kafka, ending in ClickHouse

Usage: stadion <command> [options]   (stadion <command> --help for its options)

Commands:
${Object.entries(COMMANDS)
  .map(([name, { summary }]) => `  ${name.padEnd(8)} ${summary}`)
  .join('\n')}

Services come from flags, then KAFKA_BROKERS / SCHEMA_REGISTRY_URL / CLICKHOUSE_URL, then the env file
of a running "stadion up" (./.stadion/stack.env).`;

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(MAIN_HELP);
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(`stadion: unknown command "${name}"\n\n${MAIN_HELP}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    console.error(`stadion ${name}: ${describeError(error)}`);
    if (!(error instanceof StadionError) && error instanceof Error && error.stack !== undefined) {
      console.error(error.stack);
    }
    return error instanceof StadionError && error.code === 'USAGE' ? 2 : 1;
  }
}
