/** The keyed-state processors of the telemetry topology: thin shells over the pure sla.ts and correlation.ts. */
import type { WindowResult } from '../../engine/topology/builder.ts';
import type { ProcessorSpec } from '../../engine/topology/graph.ts';
import type { SlaAlert } from '../../schemas/generated.ts';
import {
  EMPTY_CORRELATION,
  correlationAtWatermark,
  correlationReceive,
  type CorrelationState,
  type Incident,
} from './correlation.ts';
import { INITIAL_SLA_STATE, slaStep, verdictOf, type SlaState, type WindowVerdict } from './sla.ts';
import type { SlaThresholds } from './thresholds.ts';
import type { TelemetryWindow } from './window-aggregate.ts';

/** What the SLA processor emits: every window with the SLA state after it, and the alerts. */
export type SlaOutput =
  | {
      readonly kind: 'window';
      readonly window: WindowResult<TelemetryWindow>;
      readonly verdict: WindowVerdict;
      /** An alert is open for the pair after this window. */
      readonly inAlert: boolean;
    }
  | { readonly kind: 'alert'; readonly alert: SlaAlert };

export function slaProcessor(
  thresholds: SlaThresholds,
): ProcessorSpec<SlaState, WindowResult<TelemetryWindow>, SlaOutput> {
  return {
    init: () => INITIAL_SLA_STATE,
    process: (state, record, emit) => {
      const w = record.value;
      const { state: next, alert } = slaStep(
        state,
        { windowStartMs: w.windowStartMs, windowEndMs: w.windowEndMs, summary: w.value },
        thresholds,
      );
      if (alert !== null) emit({ kind: 'alert', alert });
      emit({
        kind: 'window',
        window: w,
        verdict: verdictOf(w.value, thresholds),
        inAlert: next.open !== null,
      });
      // A pair without an open alert keeps no state: healthy pairs (nearly all) then write nothing to
      // the changelog, instead of one entry per pair and window. The guard against repeated windows
      // (lastWindowEndMs) thus holds while an alert is open, where a repeat could change an alert.
      return next.open === null ? undefined : next;
    },
  };
}

export function correlationProcessor(gapMs: number): ProcessorSpec<CorrelationState, SlaAlert, Incident> {
  return {
    init: () => EMPTY_CORRELATION,
    process: (state, record, emit) => {
      const { state: next, incidents } = correlationReceive(state, record.value);
      for (const incident of incidents) emit(incident, { timestampMs: incident.detectedMs });
      return next;
    },
    onWatermark: (state, _key, watermarkMs, emit) => {
      const { state: next, incidents } = correlationAtWatermark(state, watermarkMs, gapMs);
      for (const incident of incidents) emit(incident, { timestampMs: incident.detectedMs });
      return next;
    },
  };
}
