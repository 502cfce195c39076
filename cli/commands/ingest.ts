import { StadionError } from '../../engine/errors.ts';
import { DEAD_LETTER_HEADERS } from '../../engine/serde/dead-letter.ts';
import { readJsonLines, type LineProblem } from '../../processors/shared/ingest.ts';
import { produceRecords, PRODUCE_CHUNK_RECORDS } from '../../processors/shared/produce.ts';
import { COMMON_HELP, COMMON_OPTIONS, configFlags, parseCommand } from '../args.ts';
import { withFeedProducer } from '../feed-producer.ts';
import { INGEST_FEEDS, type FeedIngest } from '../feeds.ts';

function ingestHelp(name: string, feed: FeedIngest): string {
  const usage = feed.inputs
    .map((input) => (input.required ? `--${input.option} F` : `[--${input.option} F]`))
    .join(' ');
  return `stadion ingest ${name} ${usage}: replay recorded ${name} data.

One JSON object per line (shapes in the README). Each line is checked against the topic's Avro schema;
invalid lines are reported with their line numbers and sent to ${feed.deadLetterTopic}; valid ones are
produced in file order.

Options:
${feed.inputs.map((input) => `  --${input.option.padEnd(12)} ${input.help}${input.required ? ' (required)' : ''}`).join('\n')}
${COMMON_HELP}`;
}

export const INGEST_HELP = `stadion ingest <feed> --file F [...]: replay recorded data from JSON lines, validated line by line.

Feeds: ${Object.keys(INGEST_FEEDS).join(', ')} (stadion ingest <feed> --help for its files)`;

export async function ingestCommand(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(INGEST_HELP);
    return name === undefined ? 2 : 0;
  }
  const feed = INGEST_FEEDS[name];
  if (feed === undefined)
    throw new StadionError(
      'USAGE',
      `ingest: unknown feed "${name}" (known: ${Object.keys(INGEST_FEEDS).join(', ')})`,
    );
  const fileOptions = Object.fromEntries(
    feed.inputs.map((input) => [input.option, { type: 'string' as const }]),
  );
  const { values } = parseCommand(`ingest ${name}`, {
    args: [...rest],
    options: { ...COMMON_OPTIONS, ...fileOptions },
    strict: true,
  });
  if (values.help === true) {
    console.log(ingestHelp(name, feed));
    return 0;
  }
  const files = values as Record<string, unknown>;
  for (const input of feed.inputs) {
    if (input.required && typeof files[input.option] !== 'string')
      throw new StadionError('USAGE', `ingest ${name}: --${input.option} is required`);
  }

  return withFeedProducer(configFlags(values), feed.topics, async ({ producer, registry }) => {
    let invalid = 0;
    const report = async (file: string, problem: LineProblem): Promise<void> => {
      invalid += 1;
      console.error(`${file}:${problem.line}: ${problem.reason}`);
      await producer.send({
        topic: feed.deadLetterTopic,
        acks: -1,
        messages: [
          {
            key: `${file}:${problem.line}`,
            value: problem.text,
            headers: {
              [DEAD_LETTER_HEADERS.code]: 'VALIDATION_FAILED',
              [DEAD_LETTER_HEADERS.message]: problem.reason,
              'stadion.source.file': file,
              'stadion.source.line': String(problem.line),
            },
          },
        ],
      });
    };
    const counts: string[] = [];
    for (const input of feed.inputs) {
      const file = files[input.option];
      if (typeof file !== 'string') continue;
      let pending: unknown[] = [];
      const flush = async (): Promise<void> => {
        await produceRecords(producer, registry, pending, {
          topic: input.topic,
          schema: input.schema,
          keyOf: input.keyOf,
          ...(input.timestampOf === undefined ? {} : { timestampOf: input.timestampOf }),
        });
        pending = [];
      };
      const result = await readJsonLines(
        file,
        input.schema,
        async (value) => {
          pending.push(value);
          if (pending.length >= PRODUCE_CHUNK_RECORDS) await flush();
        },
        (problem) => report(file, problem),
      );
      await flush();
      counts.push(`${result.valid} records from ${file} to ${input.topic}`);
    }
    console.log(`ingested ${counts.join(', ')}; ${invalid} invalid lines sent to ${feed.deadLetterTopic}`);
    return invalid === 0 ? 0 : 3;
  });
}
