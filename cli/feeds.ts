/**
 * The feeds `stadion simulate` and `stadion ingest` know. A feed's ingest is declarative (which files,
 * which schema, which topic, how records are keyed); its simulator is a command of its own because
 * every simulator has its own options.
 */
import type { AvroSchemaDefinition } from '../engine/topology/codecs.ts';
import { TOPOLOGIES } from '../processors/index.ts';
import { TRACKING_TOPICS } from '../processors/tracking/topology.ts';
import {
  trackingFrameSchema,
  trackingSessionSchema,
  type TrackingFrame,
  type TrackingSession,
} from '../schemas/generated.ts';
import { simulateTrackingCommand, SIMULATE_TRACKING_HELP } from './commands/simulate-tracking.ts';

/** One JSON-lines input of an ingest: a command-line option naming the file, and where its lines go. */
export interface IngestInput {
  /** The option, without dashes (`file`, `sessions`). */
  readonly option: string;
  readonly required: boolean;
  /** One line for --help. */
  readonly help: string;
  readonly topic: string;
  readonly schema: AvroSchemaDefinition;
  readonly keyOf: (value: unknown) => string;
  readonly timestampOf?: (value: unknown) => number;
}

export interface FeedIngest {
  /** Inputs in the order they are produced (reference data such as sessions first). */
  readonly inputs: readonly IngestInput[];
  /** Topics created when missing (the inputs' topics and the dead-letter topic at least). */
  readonly topics: ReadonlyArray<{ name: string; partitions: number }>;
  /** Where invalid lines go, with file, line number and reason in headers. */
  readonly deadLetterTopic: string;
}

/** An ingest input for records of type T (validated against `schema` before `keyOf` sees them). */
export function ingestInput<T>(input: {
  option: string;
  required: boolean;
  help: string;
  topic: string;
  schema: AvroSchemaDefinition;
  keyOf: (value: T) => string;
  timestampOf?: (value: T) => number;
}): IngestInput {
  const { keyOf, timestampOf, ...rest } = input;
  return {
    ...rest,
    keyOf: (value) => keyOf(value as T),
    ...(timestampOf === undefined ? {} : { timestampOf: (value: unknown) => timestampOf(value as T) }),
  };
}

export function topicsOf(topology: string): ReadonlyArray<{ name: string; partitions: number }> {
  return TOPOLOGIES[topology]?.topics ?? [];
}

export const INGEST_FEEDS: Readonly<Record<string, FeedIngest>> = {
  tracking: {
    inputs: [
      ingestInput<TrackingSession>({
        option: 'sessions',
        required: false,
        help: 'sessions, JSON lines in the session shape',
        topic: TRACKING_TOPICS.sessions,
        schema: trackingSessionSchema,
        keyOf: (s) => s.sessionId,
      }),
      ingestInput<TrackingFrame>({
        option: 'file',
        required: true,
        help: 'frames, JSON lines in the tracking-frame shape',
        topic: TRACKING_TOPICS.frames,
        schema: trackingFrameSchema,
        keyOf: (f) => f.sessionId,
        timestampOf: (f) => f.eventTimeMs,
      }),
    ],
    topics: [...topicsOf('tracking'), { name: 'tracking.ingest.dead-letters', partitions: 1 }],
    deadLetterTopic: 'tracking.ingest.dead-letters',
  },
};

export interface FeedSimulator {
  readonly run: (argv: readonly string[]) => Promise<number>;
  readonly help: string;
  /** One line for the command list. */
  readonly summary: string;
}

export const SIMULATE_FEEDS: Readonly<Record<string, FeedSimulator>> = {
  tracking: {
    run: simulateTrackingCommand,
    help: SIMULATE_TRACKING_HELP,
    summary: 'sprint races and team-sport matches (per-frame positions and skeletons)',
  },
};
