import { createKafka } from '../../engine/clients/kafka.ts';
import { createSchemaRegistry } from '../../engine/clients/registry.ts';
import { ensureTopics } from '../../engine/clients/topics.ts';
import { resolveLogLevel } from '../../engine/config/config.ts';
import { StadionError } from '../../engine/errors.ts';
import { createJsonLogger } from '../../engine/log.ts';
import { DEAD_LETTER_HEADERS } from '../../engine/serde/dead-letter.ts';
import { TOPOLOGIES } from '../../processors/index.ts';
import { readJsonLines, type LineProblem } from '../../processors/tracking/ingest.ts';
import { produceFrames, produceSessions } from '../../processors/tracking/produce.ts';
import {
  trackingFrameSchema,
  trackingSessionSchema,
  type TrackingFrame,
  type TrackingSession,
} from '../../schemas/generated.ts';
import { configuredOrEmbedded } from '../embedded.ts';
import { COMMON_HELP, COMMON_OPTIONS, configFlags, parseCommand } from '../args.ts';

/** Where invalid lines go, with their file, line number and reason in headers. */
export const INGEST_DEAD_LETTER_TOPIC = 'tracking.ingest.dead-letters';

export const INGEST_HELP = `stadion ingest tracking --file FRAMES.jsonl [--sessions SESSIONS.jsonl]: replay recorded tracking.

One JSON object per line, in the tracking-frame shape (see README); sessions in the session shape.
Each line is checked against the Avro schema; invalid lines are reported with their line numbers and
sent to ${INGEST_DEAD_LETTER_TOPIC}; valid ones are produced in file order.

Options:
  --file F       frames, JSON lines (required)
  --sessions F   sessions, JSON lines
${COMMON_HELP}`;

export async function ingestCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand('ingest', {
    args: [...argv],
    options: { ...COMMON_OPTIONS, file: { type: 'string' }, sessions: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    console.log(INGEST_HELP);
    return 0;
  }
  if (positionals[0] !== 'tracking')
    throw new StadionError('USAGE', 'ingest: only "tracking" can be ingested so far');
  if (values.file === undefined) throw new StadionError('USAGE', 'ingest tracking: --file is required');
  const flags = configFlags(values);
  const logger = createJsonLogger({ level: resolveLogLevel(flags, process.env) });
  const services = await configuredOrEmbedded(flags, logger);
  try {
    const { config } = services;
    const kafka = createKafka(config.kafka, { logger });
    await ensureTopics(kafka, config.kafka, [
      ...(TOPOLOGIES['tracking']?.topics ?? []),
      { name: INGEST_DEAD_LETTER_TOPIC, partitions: 1 },
    ]);
    const registry = createSchemaRegistry(config.schemaRegistry);
    const producer = kafka.producer();
    await producer.connect();
    let invalid = 0;
    const report = async (file: string, problem: LineProblem): Promise<void> => {
      invalid += 1;
      console.error(`${file}:${problem.line}: ${problem.reason}`);
      await producer.send({
        topic: INGEST_DEAD_LETTER_TOPIC,
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
    try {
      let sessions = 0;
      if (values.sessions !== undefined) {
        const file = values.sessions;
        const valid: TrackingSession[] = [];
        await readJsonLines(
          file,
          trackingSessionSchema,
          (value) => void valid.push(value as TrackingSession),
          (p) => report(file, p),
        );
        await produceSessions(producer, registry, valid);
        sessions = valid.length;
      }
      const file = values.file;
      let pending: TrackingFrame[] = [];
      const result = await readJsonLines(
        file,
        trackingFrameSchema,
        async (value) => {
          pending.push(value as TrackingFrame);
          if (pending.length >= 500) {
            await produceFrames(producer, registry, pending, 'max');
            pending = [];
          }
        },
        (p) => report(file, p),
      );
      await produceFrames(producer, registry, pending, 'max');
      console.log(
        `ingested ${sessions} sessions and ${result.valid} frames; ${invalid} invalid lines sent to ${INGEST_DEAD_LETTER_TOPIC}`,
      );
      return invalid === 0 ? 0 : 3;
    } finally {
      await producer.disconnect();
    }
  } finally {
    await services.stop();
  }
}
