/**
 * The feeds `stadion simulate` and `stadion ingest` know. A feed's ingest is declarative (which files,
 * which schema, which topic, how records are keyed); its simulator is a command of its own because
 * every simulator has its own options.
 */
import type { AvroSchemaDefinition } from '../engine/topology/codecs.ts';
import { TOPOLOGIES } from '../processors/index.ts';
import { TELEMETRY_TOPICS } from '../processors/telemetry/topology.ts';
import { TRACKING_TOPICS } from '../processors/tracking/topology.ts';
import {
  feedCatalogueEntrySchema,
  feedTelemetrySampleSchema,
  trackingFrameSchema,
  trackingSessionSchema,
  type FeedCatalogueEntry,
  type FeedTelemetrySample,
  type TrackingFrame,
  type TrackingSession,
} from '../schemas/generated.ts';
import { simulateTelemetryCommand, SIMULATE_TELEMETRY_HELP } from './commands/simulate-telemetry.ts';
import { simulateTrackingCommand, SIMULATE_TRACKING_HELP } from './commands/simulate-tracking.ts';
import { simulateTrafficCommand, SIMULATE_TRAFFIC_HELP } from './commands/simulate-traffic.ts';
import { readingKeyOf, TRAFFIC_TOPICS } from '../processors/traffic/topology.ts';
import {
  trafficReadingSchema,
  trafficScenarioSchema,
  trafficSegmentSchema,
  type TrafficReading,
  type TrafficScenario,
  type TrafficSegment,
} from '../schemas/generated.ts';

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
  traffic: {
    inputs: [
      ingestInput<TrafficSegment>({
        option: 'segments',
        required: false,
        help: 'road network, JSON lines in the traffic-segment shape',
        topic: TRAFFIC_TOPICS.segments,
        schema: trafficSegmentSchema,
        keyOf: (s) => s.segmentId,
      }),
      ingestInput<TrafficScenario>({
        option: 'scenarios',
        required: false,
        help: 'traffic plans, JSON lines in the traffic-scenario shape',
        topic: TRAFFIC_TOPICS.scenarios,
        schema: trafficScenarioSchema,
        keyOf: (s) => s.scenarioId,
      }),
      ingestInput<TrafficReading>({
        option: 'file',
        required: true,
        help: 'station readings, JSON lines in the traffic-reading shape, in time order',
        topic: TRAFFIC_TOPICS.readings,
        schema: trafficReadingSchema,
        keyOf: readingKeyOf,
        timestampOf: (r) => r.intervalStartMs,
      }),
    ],
    topics: [...topicsOf('traffic'), { name: 'traffic.ingest.dead-letters', partitions: 1 }],
    deadLetterTopic: 'traffic.ingest.dead-letters',
  },
  telemetry: {
    inputs: [
      ingestInput<FeedCatalogueEntry>({
        option: 'feeds',
        required: false,
        help: 'feed catalogue, JSON lines in the FeedCatalogueEntry shape',
        topic: TELEMETRY_TOPICS.feeds,
        schema: feedCatalogueEntrySchema,
        keyOf: (f) => f.feedId,
      }),
      ingestInput<FeedTelemetrySample>({
        option: 'file',
        required: true,
        help: 'telemetry samples, JSON lines in the FeedTelemetrySample shape',
        topic: TELEMETRY_TOPICS.samples,
        schema: feedTelemetrySampleSchema,
        keyOf: (s) => `${s.feedId}/${s.broadcasterId}`,
        timestampOf: (s) => s.eventTimeMs,
      }),
    ],
    topics: [...topicsOf('telemetry'), { name: 'telemetry.ingest.dead-letters', partitions: 1 }],
    deadLetterTopic: 'telemetry.ingest.dead-letters',
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
  traffic: {
    run: simulateTrafficCommand,
    help: SIMULATE_TRAFFIC_HELP,
    summary: 'a day of road sensors around venues under several traffic plans (closures, diversions)',
  },
  telemetry: {
    run: simulateTelemetryCommand,
    help: SIMULATE_TELEMETRY_HELP,
    summary: 'broadcast feed telemetry (SRT stats per feed x broadcaster) with injected incidents and truth',
  },
};
