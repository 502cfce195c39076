/** Every topology `stadion run` knows, by name, with the ClickHouse DDL it needs. */
import type { TopologyGraph } from '../engine/topology/graph.ts';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { READINGS_TOPIC, readingsTopology } from './demo/readings.ts';
import { trackingRawTopology } from './tracking/raw.ts';
import { TELEMETRY_TOPICS, telemetryIncidentsTopology, telemetryTopology } from './telemetry/topology.ts';
import { TRACKING_TOPICS, trackingTopology } from './tracking/topology.ts';
import { TRAFFIC_TOPICS, trafficTopology } from './traffic/topology.ts';

/** The statements of a file in sql/, split at semicolons that end a line; comments dropped. */
export function readDdl(file: string): string[] {
  const text = readFileSync(resolve(import.meta.dirname, '../sql', file), 'utf8');
  return text
    .split(/;\s*\n/)
    .map((statement) =>
      statement
        .split('\n')
        .filter((line) => !line.trimStart().startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter((statement) => statement !== '');
}

export interface TopologyEntry {
  readonly graph: TopologyGraph;
  /** ClickHouse statements run (idempotently) before the topology starts. */
  readonly ddl: readonly string[];
  /** Source topics with their partition counts, created when missing. */
  readonly topics: ReadonlyArray<{ name: string; partitions: number }>;
  readonly summary: string;
}

/** Telemetry's topics: 4 samples partitions (two instances share them), every alert in one partition. */
const TELEMETRY_TOPIC_PARTITIONS = [
  { name: TELEMETRY_TOPICS.feeds, partitions: 1 },
  { name: TELEMETRY_TOPICS.samples, partitions: 4 },
  { name: TELEMETRY_TOPICS.alerts, partitions: 1 },
];

export const TOPOLOGIES: Readonly<Record<string, TopologyEntry>> = {
  'demo-readings': {
    graph: readingsTopology,
    ddl: readDdl('demo_readings.sql'),
    topics: [{ name: READINGS_TOPIC, partitions: 4 }],
    summary: 'sensor readings -> 10 s windows and personal bests in ClickHouse (the engine example)',
  },
  tracking: {
    graph: trackingTopology,
    ddl: readDdl('tracking.sql'),
    topics: [
      { name: TRACKING_TOPICS.sessions, partitions: 1 },
      { name: TRACKING_TOPICS.frames, partitions: 4 },
    ],
    summary:
      'athlete tracking frames -> kinematics, splits, summaries in ClickHouse; live stats and splits topics',
  },
  'tracking-raw': {
    graph: trackingRawTopology,
    ddl: readDdl('tracking.sql'),
    topics: [
      { name: TRACKING_TOPICS.sessions, partitions: 1 },
      { name: TRACKING_TOPICS.frames, partitions: 4 },
    ],
    summary: 'athlete tracking frames -> every detection as sent, in bulk (tracking_raw_positions)',
  },
  telemetry: {
    graph: telemetryTopology,
    ddl: readDdl('telemetry.sql'),
    // Samples keyed by pair, shared by the instances; the alerts in one partition, where
    // telemetry-incidents correlates them (docs/telemetry.md).
    topics: TELEMETRY_TOPIC_PARTITIONS,
    summary: 'feed telemetry samples -> 10 s / 1 min QoS windows, SLA alerts in ClickHouse; alerts topic',
  },
  'telemetry-incidents': {
    graph: telemetryIncidentsTopology,
    ddl: readDdl('telemetry.sql'),
    topics: TELEMETRY_TOPIC_PARTITIONS,
    summary:
      'opened SLA alerts (telemetry.alerts) -> incidents by POP, feed or broadcaster in ClickHouse; run with telemetry',
  },
  traffic: {
    graph: trafficTopology,
    ddl: readDdl('traffic.sql'),
    topics: [
      { name: TRAFFIC_TOPICS.segments, partitions: 1 },
      { name: TRAFFIC_TOPICS.scenarios, partitions: 1 },
      { name: TRAFFIC_TOPICS.readings, partitions: 4 },
    ],
    summary:
      'road sensor readings -> segment windows (flow, speed, density, LOS), congestion episodes, sensor faults, plan comparison; segment-status topic',
  },
};
