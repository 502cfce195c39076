/** Waiting for `stadion run telemetry telemetry-incidents --group-prefix <prefix>` on the local stack. */
import type { Admin } from 'kafkajs';
import { DEFAULT_WINDOW_GRACE_MS, TELEMETRY_TOPICS } from '../../../processors/telemetry/topology.ts';
import { waitForUpstreamWatermark, type EngineProcess } from '../../engine/runtime/engine-process.ts';

/**
 * Waits until telemetry-incidents (groups under `prefix`) has read every alert and taken the watermark
 * the committed samples allow: every incident the samples so far decide is then in ClickHouse.
 */
export function incidentsDecided(admin: Admin, prefix: string, engine: EngineProcess): Promise<void> {
  return waitForUpstreamWatermark(
    admin,
    {
      groupId: `${prefix}-telemetry-incidents`,
      topic: TELEMETRY_TOPICS.alerts,
      upstreamGroupId: `${prefix}-telemetry`,
      upstreamTopic: TELEMETRY_TOPICS.samples,
      holdBackMs: DEFAULT_WINDOW_GRACE_MS,
    },
    60_000,
    engine,
  );
}
