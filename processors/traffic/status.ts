/**
 * Segment status changes for operators: per segment, the 1-minute windows' level of service; a
 * status is sent when it or the congested flag changes (and for a segment's first window). Pure.
 */
import type { ProcessorSpec } from '../../engine/topology/graph.ts';
import type { TrafficSegmentStatus } from '../../schemas/generated.ts';
import { isCongested } from './episodes.ts';
import type { Los } from './los.ts';
import type { SegmentWindow } from './segment-window.ts';

export interface StatusState {
  readonly los: Los | null;
}

export const segmentStatusProcessor: ProcessorSpec<StatusState, SegmentWindow, TrafficSegmentStatus> = {
  init: () => ({ los: null }),
  process: (state, record, emit) => {
    const w = record.value;
    if (w.los === null || w.los === state.los) return state;
    emit({
      scenarioId: w.scenarioId,
      segmentId: w.segmentId,
      venueZone: w.venueZone,
      windowStartMs: w.windowStartMs,
      windowEndMs: w.windowEndMs,
      los: w.los,
      previousLos: state.los,
      congested: isCongested(w.los),
      flowVehPerHour: w.flowVehPerHour ?? 0,
      speedKmh: w.speedKmh,
      densityVehPerKmPerLane: w.densityVehPerKmPerLane ?? 0,
      faultySensors: Math.min(
        w.lanes,
        Math.ceil((w.excludedReadings + w.missingReadings) / Math.max(1, w.intervals)),
      ),
    });
    return { los: w.los };
  },
};
