import { loadConfig } from '../../engine/config/config.ts';
import { createKafka } from '../../engine/clients/kafka.ts';
import { checkServices } from '../../engine/clients/reachability.ts';
import { ensureTopics } from '../../engine/clients/topics.ts';
import { StadionError } from '../../engine/errors.ts';
import { createJsonLogger } from '../../engine/log.ts';
import { renderTable } from '../table.ts';
import { COMMON_HELP, COMMON_OPTIONS, configFlags, parseCommand, parsePositiveInt } from '../args.ts';

export const TOPICS_HELP = `stadion topics: list topics with their partitions and end offsets.
stadion topics create NAME --partitions N: create a topic (through the local broker's launcher, or the
  Kafka admin API on a real cluster).

Options:
  --format json     machine-readable output (list)
  --partitions N    partitions for create (default 1)
  --all             include internal topics (names starting with "__")
${COMMON_HELP}`;

export async function topicsCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand('topics', {
    args: [...argv],
    options: {
      ...COMMON_OPTIONS,
      format: { type: 'string' },
      partitions: { type: 'string' },
      all: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    console.log(TOPICS_HELP);
    return 0;
  }
  const config = loadConfig(configFlags(values));
  await checkServices(config, ['kafka']);
  const logger = createJsonLogger({ level: 'warn' });
  const kafka = createKafka(config.kafka, { logger });
  const [action, name] = positionals;
  if (action === 'create') {
    if (name === undefined) throw new StadionError('USAGE', 'topics create: give the topic name');
    const partitions = parsePositiveInt(values.partitions, '--partitions', 1);
    await ensureTopics(kafka, config.kafka, [{ name, partitions }]);
    console.log(`created ${name} with ${partitions} partitions`);
    return 0;
  }
  if (action !== undefined)
    throw new StadionError('USAGE', `topics: unknown action "${action}" (try create)`);
  if (values.format !== undefined && values.format !== 'json') {
    throw new StadionError('USAGE', `topics: --format ${values.format} is not supported (json)`);
  }

  const admin = kafka.admin();
  await admin.connect();
  try {
    const names = (await admin.listTopics())
      .filter((topic) => values.all === true || !topic.startsWith('__'))
      .sort();
    const topics = [];
    for (const topic of names) {
      const offsets = (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition);
      topics.push({
        topic,
        partitions: offsets.length,
        endOffsets: offsets.map((o) => Number(o.high)),
        startOffsets: offsets.map((o) => Number(o.low)),
      });
    }
    if (values.format === 'json') {
      console.log(JSON.stringify(topics, null, 2));
    } else {
      console.log(
        renderTable(
          ['topic', 'partitions', 'records', 'end offsets'],
          topics.map((t) => [
            t.topic,
            t.partitions,
            t.endOffsets.reduce((sum, end, i) => sum + end - (t.startOffsets[i] ?? 0), 0),
            t.endOffsets.join(','),
          ]),
        ),
      );
    }
    return 0;
  } finally {
    await admin.disconnect();
  }
}
