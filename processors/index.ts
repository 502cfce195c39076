/** Every topology `stadion run` knows, by name, with the ClickHouse DDL it needs. */
import type { TopologyGraph } from '../engine/topology/graph.ts';
import { READINGS_DDL, READINGS_TOPIC, readingsTopology } from './demo/readings.ts';

export interface TopologyEntry {
  readonly graph: TopologyGraph;
  /** ClickHouse statements run (idempotently) before the topology starts. */
  readonly ddl: readonly string[];
  /** Source topics with their partition counts, created when missing. */
  readonly topics: ReadonlyArray<{ name: string; partitions: number }>;
  readonly summary: string;
}

export const TOPOLOGIES: Readonly<Record<string, TopologyEntry>> = {
  'demo-readings': {
    graph: readingsTopology,
    ddl: READINGS_DDL,
    topics: [{ name: READINGS_TOPIC, partitions: 4 }],
    summary: 'sensor readings -> 10 s windows and personal bests in ClickHouse (the engine example)',
  },
};
