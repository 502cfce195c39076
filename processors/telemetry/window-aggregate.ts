/**
 * The per (feed, broadcaster) window aggregates: one pure aggregator over samples for the 10 s tumbling
 * windows, and one over those windows' accumulators for the 1-minute hopping windows (the accumulators,
 * RTT and latency sketches included, are mergeable, so a minute is the merge of its six 10 s windows and
 * never re-reads a sample).
 *
 * RTT and latency percentiles come from the engine's relative-error sketch (engine/aggregate/sketch.ts):
 * every reported percentile is within `PERCENTILE_RELATIVE_ACCURACY` of the exact lower (nearest-rank)
 * percentile of the window's samples.
 */
import type { Aggregator } from '../../engine/aggregate/aggregator.ts';
import {
  createSketch,
  sketchAdd,
  sketchMerge,
  sketchQuantile,
  type SketchState,
} from '../../engine/aggregate/sketch.ts';
import type { FeedTelemetrySample } from '../../schemas/generated.ts';
import {
  BREACH_REASONS,
  reasonsOf,
  sampleBreachMask,
  tsPriority1Errors,
  type BreachReason,
  type SlaThresholds,
} from './thresholds.ts';

/** Relative accuracy of the RTT and latency percentiles. @default 0.01 */
export const PERCENTILE_RELATIVE_ACCURACY = 0.01;
/** Sketch buckets per sign: 1024 buckets at 1 % span a factor of about 8e8, far beyond any RTT range. */
export const PERCENTILE_SKETCH_BUCKETS = 1024;

/** What a window keeps (plain JSON, changelogged). */
export interface TelemetryAcc {
  readonly feedId: string;
  readonly broadcasterId: string;
  readonly popId: string;
  readonly samples: number;
  readonly packetsSent: number;
  readonly packetsReceived: number;
  readonly packetsLost: number;
  readonly packetsRetransmitted: number;
  readonly packetsDropped: number;
  readonly bitrateMinKbps: number | null;
  readonly bitrateSumKbps: number;
  readonly bandwidthMinMbps: number | null;
  readonly framesDropped: number;
  readonly ccErrors: number;
  readonly tsPriority1Errors: number;
  readonly tsPriority2Errors: number;
  readonly breachingSamples: number;
  /** Breaching samples per reason, in BREACH_REASONS order. */
  readonly reasonCounts: readonly number[];
  readonly rtt: SketchState;
  readonly latency: SketchState;
}

export interface Percentiles {
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** A window's summary. */
export interface TelemetryWindowSummary {
  readonly feedId: string;
  readonly broadcasterId: string;
  readonly popId: string;
  readonly samples: number;
  readonly packetsSent: number;
  readonly packetsReceived: number;
  readonly packetsLost: number;
  readonly packetsRetransmitted: number;
  readonly packetsDropped: number;
  /** Lost / sent, 0 when nothing was sent. */
  readonly lossRatio: number;
  /** Retransmitted / sent. */
  readonly retransmissionRatio: number;
  /** Dropped (unrecovered) / sent. */
  readonly dropRatio: number;
  readonly rttMs: Percentiles;
  readonly latencyMs: Percentiles;
  readonly bitrateMinKbps: number | null;
  readonly bitrateMeanKbps: number | null;
  readonly bandwidthMinMbps: number | null;
  readonly framesDropped: number;
  readonly ccErrors: number;
  readonly tsPriority1Errors: number;
  readonly tsPriority2Errors: number;
  readonly breachingSamples: number;
  /** breachingSamples / samples. */
  readonly breachingFraction: number;
  /** Reasons found in at least half of the breaching samples. */
  readonly reasons: readonly BreachReason[];
}

/** The 10 s window's output: the summary and the accumulator the minute windows merge. */
export interface TelemetryWindow extends TelemetryWindowSummary {
  readonly acc: TelemetryAcc;
}

const minOf = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.min(a, b);

export function emptyTelemetryAcc(): TelemetryAcc {
  const sketch = createSketch({
    relativeAccuracy: PERCENTILE_RELATIVE_ACCURACY,
    maxBuckets: PERCENTILE_SKETCH_BUCKETS,
  });
  return {
    feedId: '',
    broadcasterId: '',
    popId: '',
    samples: 0,
    packetsSent: 0,
    packetsReceived: 0,
    packetsLost: 0,
    packetsRetransmitted: 0,
    packetsDropped: 0,
    bitrateMinKbps: null,
    bitrateSumKbps: 0,
    bandwidthMinMbps: null,
    framesDropped: 0,
    ccErrors: 0,
    tsPriority1Errors: 0,
    tsPriority2Errors: 0,
    breachingSamples: 0,
    reasonCounts: BREACH_REASONS.map(() => 0),
    rtt: sketch,
    latency: sketch,
  };
}

export function addSample(
  acc: TelemetryAcc,
  s: FeedTelemetrySample,
  thresholds: SlaThresholds,
): TelemetryAcc {
  const mask = sampleBreachMask(s, thresholds);
  return {
    feedId: s.feedId,
    broadcasterId: s.broadcasterId,
    popId: s.popId,
    samples: acc.samples + 1,
    packetsSent: acc.packetsSent + s.packetsSent,
    packetsReceived: acc.packetsReceived + s.packetsReceived,
    packetsLost: acc.packetsLost + s.packetsLost,
    packetsRetransmitted: acc.packetsRetransmitted + s.packetsRetransmitted,
    packetsDropped: acc.packetsDropped + s.packetsDropped,
    bitrateMinKbps: minOf(acc.bitrateMinKbps, s.videoBitrateKbps),
    bitrateSumKbps: acc.bitrateSumKbps + s.videoBitrateKbps,
    bandwidthMinMbps: minOf(acc.bandwidthMinMbps, s.bandwidthEstimateMbps),
    framesDropped: acc.framesDropped + s.framesDropped,
    ccErrors: acc.ccErrors + s.ccErrors,
    tsPriority1Errors: acc.tsPriority1Errors + tsPriority1Errors(s),
    tsPriority2Errors: acc.tsPriority2Errors + s.pcrPtsErrors,
    breachingSamples: acc.breachingSamples + (mask === 0 ? 0 : 1),
    reasonCounts: mask === 0 ? acc.reasonCounts : acc.reasonCounts.map((n, bit) => n + ((mask >> bit) & 1)),
    rtt: sketchAdd(acc.rtt, s.rttMs),
    latency: sketchAdd(acc.latency, s.latencyMs),
  };
}

export function mergeTelemetryAcc(a: TelemetryAcc, b: TelemetryAcc): TelemetryAcc {
  if (b.samples === 0) return a;
  if (a.samples === 0) return b;
  return {
    feedId: b.feedId,
    broadcasterId: b.broadcasterId,
    popId: b.popId,
    samples: a.samples + b.samples,
    packetsSent: a.packetsSent + b.packetsSent,
    packetsReceived: a.packetsReceived + b.packetsReceived,
    packetsLost: a.packetsLost + b.packetsLost,
    packetsRetransmitted: a.packetsRetransmitted + b.packetsRetransmitted,
    packetsDropped: a.packetsDropped + b.packetsDropped,
    bitrateMinKbps: minOf(a.bitrateMinKbps, b.bitrateMinKbps),
    bitrateSumKbps: a.bitrateSumKbps + b.bitrateSumKbps,
    bandwidthMinMbps: minOf(a.bandwidthMinMbps, b.bandwidthMinMbps),
    framesDropped: a.framesDropped + b.framesDropped,
    ccErrors: a.ccErrors + b.ccErrors,
    tsPriority1Errors: a.tsPriority1Errors + b.tsPriority1Errors,
    tsPriority2Errors: a.tsPriority2Errors + b.tsPriority2Errors,
    breachingSamples: a.breachingSamples + b.breachingSamples,
    reasonCounts: a.reasonCounts.map((n, bit) => n + (b.reasonCounts[bit] ?? 0)),
    rtt: sketchMerge(a.rtt, b.rtt),
    latency: sketchMerge(a.latency, b.latency),
  };
}

function percentiles(sketch: SketchState): Percentiles {
  return {
    p50: sketchQuantile(sketch, 0.5),
    p95: sketchQuantile(sketch, 0.95),
    p99: sketchQuantile(sketch, 0.99),
    max: sketch.max,
  };
}

export function summarize(acc: TelemetryAcc): TelemetryWindowSummary {
  const sent = acc.packetsSent;
  const ratio = (n: number): number => (sent === 0 ? 0 : n / sent);
  const reasonMask = acc.reasonCounts.reduce(
    (mask, n, bit) => (acc.breachingSamples > 0 && n * 2 >= acc.breachingSamples ? mask | (1 << bit) : mask),
    0,
  );
  return {
    feedId: acc.feedId,
    broadcasterId: acc.broadcasterId,
    popId: acc.popId,
    samples: acc.samples,
    packetsSent: acc.packetsSent,
    packetsReceived: acc.packetsReceived,
    packetsLost: acc.packetsLost,
    packetsRetransmitted: acc.packetsRetransmitted,
    packetsDropped: acc.packetsDropped,
    lossRatio: ratio(acc.packetsLost),
    retransmissionRatio: ratio(acc.packetsRetransmitted),
    dropRatio: ratio(acc.packetsDropped),
    rttMs: percentiles(acc.rtt),
    latencyMs: percentiles(acc.latency),
    bitrateMinKbps: acc.bitrateMinKbps,
    bitrateMeanKbps: acc.samples === 0 ? null : acc.bitrateSumKbps / acc.samples,
    bandwidthMinMbps: acc.bandwidthMinMbps,
    framesDropped: acc.framesDropped,
    ccErrors: acc.ccErrors,
    tsPriority1Errors: acc.tsPriority1Errors,
    tsPriority2Errors: acc.tsPriority2Errors,
    breachingSamples: acc.breachingSamples,
    breachingFraction: acc.samples === 0 ? 0 : acc.breachingSamples / acc.samples,
    reasons: reasonsOf(reasonMask),
  };
}

/** The 10 s windows' aggregator over samples. */
export function sampleWindowAggregator(
  thresholds: SlaThresholds,
): Aggregator<FeedTelemetrySample, TelemetryAcc, TelemetryWindow> {
  return Object.freeze({
    kind: 'telemetry-window',
    initialize: emptyTelemetryAcc,
    add: (acc: TelemetryAcc, sample: FeedTelemetrySample) => addSample(acc, sample, thresholds),
    merge: mergeTelemetryAcc,
    result: (acc: TelemetryAcc): TelemetryWindow => ({ ...summarize(acc), acc }),
  });
}

/** The minute windows' aggregator over 10 s windows (merges their accumulators). */
export function minuteWindowAggregator(): Aggregator<
  { readonly acc: TelemetryAcc },
  TelemetryAcc,
  TelemetryWindowSummary
> {
  return Object.freeze({
    kind: 'telemetry-minute',
    initialize: emptyTelemetryAcc,
    add: (acc: TelemetryAcc, window: { readonly acc: TelemetryAcc }) => mergeTelemetryAcc(acc, window.acc),
    merge: mergeTelemetryAcc,
    result: summarize,
  });
}
