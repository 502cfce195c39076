/**
 * The per (feed, broadcaster) window aggregates: one pure aggregator over samples for the 10 s tumbling
 * windows, and one over those windows' accumulators for the 1-minute hopping windows (the accumulators,
 * RTT and latency sketches included, are mergeable, so a minute is the merge of its six 10 s windows and
 * never re-reads a sample).
 *
 * RTT and latency percentiles come from the engine's relative-error sketch, in its sparse form for windows
 * of few values (engine/aggregate/sparse-sketch.ts): every reported percentile is within
 * `PERCENTILE_RELATIVE_ACCURACY` of the exact lower (nearest-rank) percentile of the window's samples.
 */
import type { Aggregator } from '../../engine/aggregate/aggregator.ts';
import { sparseSketch, type SparseSketch } from '../../engine/aggregate/sparse-sketch.ts';
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

const sketch = sparseSketch(PERCENTILE_RELATIVE_ACCURACY);

/**
 * What a window keeps: a flat array (plain JSON, written to the changelog at every flush in which the
 * window changed, so it is kept small: no field names, one integer per RTT and latency value). The
 * positions are named by the type; `reasonCounts` is in BREACH_REASONS order.
 */
export type TelemetryAcc = readonly [
  feedId: string,
  broadcasterId: string,
  popId: string,
  samples: number,
  packetsSent: number,
  packetsReceived: number,
  packetsLost: number,
  packetsRetransmitted: number,
  packetsDropped: number,
  bitrateMinKbps: number | null,
  bitrateSumKbps: number,
  bandwidthMinMbps: number | null,
  framesDropped: number,
  ccErrors: number,
  tsPriority1Errors: number,
  tsPriority2Errors: number,
  breachingSamples: number,
  reasonCounts: readonly number[],
  rtt: SparseSketch,
  latency: SparseSketch,
];

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

const NO_REASONS: readonly number[] = Object.freeze(BREACH_REASONS.map(() => 0));

const EMPTY_ACC: TelemetryAcc = Object.freeze([
  '',
  '',
  '',
  0,
  0,
  0,
  0,
  0,
  0,
  null,
  0,
  null,
  0,
  0,
  0,
  0,
  0,
  NO_REASONS,
  sketch.empty,
  sketch.empty,
] as const);

export function emptyTelemetryAcc(): TelemetryAcc {
  return EMPTY_ACC;
}

type MutableAcc = { -readonly [K in keyof TelemetryAcc]: TelemetryAcc[K] } & { 17: number[] };

/** A copy of `acc` sharing no array with it, for `addSampleInPlace`. */
export function copyTelemetryAcc(acc: TelemetryAcc): TelemetryAcc {
  const out = acc.slice() as unknown as MutableAcc;
  out[17] = acc[17].slice();
  out[18] = sketch.copy(acc[18]);
  out[19] = sketch.copy(acc[19]);
  return out;
}

/** `addSample` by mutating `acc`, a private copy (`copyTelemetryAcc`); returns it. */
export function addSampleInPlace(
  acc: TelemetryAcc,
  s: FeedTelemetrySample,
  thresholds: SlaThresholds,
): TelemetryAcc {
  const a = acc as MutableAcc;
  const mask = sampleBreachMask(s, thresholds);
  a[0] = s.feedId;
  a[1] = s.broadcasterId;
  a[2] = s.popId;
  a[3] += 1;
  a[4] += s.packetsSent;
  a[5] += s.packetsReceived;
  a[6] += s.packetsLost;
  a[7] += s.packetsRetransmitted;
  a[8] += s.packetsDropped;
  a[9] = minOf(a[9], s.videoBitrateKbps);
  a[10] += s.videoBitrateKbps;
  a[11] = minOf(a[11], s.bandwidthEstimateMbps);
  a[12] += s.framesDropped;
  a[13] += s.ccErrors;
  a[14] += tsPriority1Errors(s);
  a[15] += s.pcrPtsErrors;
  if (mask !== 0) {
    a[16] += 1;
    const counts = a[17];
    for (let bit = 0; bit < counts.length; bit += 1)
      counts[bit] = (counts[bit] as number) + ((mask >> bit) & 1);
  }
  sketch.addInPlace(a[18], s.rttMs);
  sketch.addInPlace(a[19], s.latencyMs);
  return acc;
}

/** The accumulator with one more sample; `acc` is not modified. */
export function addSample(
  acc: TelemetryAcc,
  s: FeedTelemetrySample,
  thresholds: SlaThresholds,
): TelemetryAcc {
  return addSampleInPlace(copyTelemetryAcc(acc), s, thresholds);
}

/** `mergeTelemetryAcc` by mutating `acc`, a private copy (`copyTelemetryAcc`); returns it. */
export function mergeTelemetryAccInPlace(acc: TelemetryAcc, b: TelemetryAcc): TelemetryAcc {
  if (b[3] === 0) return acc;
  const a = acc as MutableAcc;
  a[0] = b[0];
  a[1] = b[1];
  a[2] = b[2];
  a[3] += b[3];
  a[4] += b[4];
  a[5] += b[5];
  a[6] += b[6];
  a[7] += b[7];
  a[8] += b[8];
  a[9] = minOf(a[9], b[9]);
  a[10] += b[10];
  a[11] = minOf(a[11], b[11]);
  a[12] += b[12];
  a[13] += b[13];
  a[14] += b[14];
  a[15] += b[15];
  a[16] += b[16];
  const counts = a[17];
  for (let bit = 0; bit < counts.length; bit += 1) counts[bit] = (counts[bit] as number) + (b[17][bit] ?? 0);
  sketch.mergeInPlace(a[18], b[18]);
  sketch.mergeInPlace(a[19], b[19]);
  return acc;
}

export function mergeTelemetryAcc(a: TelemetryAcc, b: TelemetryAcc): TelemetryAcc {
  if (b[3] === 0) return a;
  if (a[3] === 0) return b;
  return mergeTelemetryAccInPlace(copyTelemetryAcc(a), b);
}

function percentiles(s: SparseSketch): Percentiles {
  return {
    p50: sketch.quantile(s, 0.5),
    p95: sketch.quantile(s, 0.95),
    p99: sketch.quantile(s, 0.99),
    max: s[2],
  };
}

/** `n / sent`, 0 when nothing was sent. */
const ratioOf = (n: number, sent: number): number => (sent === 0 ? 0 : n / sent);

export function summarize(acc: TelemetryAcc): TelemetryWindowSummary {
  const [feedId, broadcasterId, popId, samples, sent, received, lost, retransmitted, dropped] = acc;
  const breachingSamples = acc[16];
  const reasonMask = acc[17].reduce(
    (mask, n, bit) => (breachingSamples > 0 && n * 2 >= breachingSamples ? mask | (1 << bit) : mask),
    0,
  );
  return {
    feedId,
    broadcasterId,
    popId,
    samples,
    packetsSent: sent,
    packetsReceived: received,
    packetsLost: lost,
    packetsRetransmitted: retransmitted,
    packetsDropped: dropped,
    lossRatio: ratioOf(lost, sent),
    retransmissionRatio: ratioOf(retransmitted, sent),
    dropRatio: ratioOf(dropped, sent),
    rttMs: percentiles(acc[18]),
    latencyMs: percentiles(acc[19]),
    bitrateMinKbps: acc[9],
    bitrateMeanKbps: samples === 0 ? null : acc[10] / samples,
    bandwidthMinMbps: acc[11],
    framesDropped: acc[12],
    ccErrors: acc[13],
    tsPriority1Errors: acc[14],
    tsPriority2Errors: acc[15],
    breachingSamples,
    breachingFraction: samples === 0 ? 0 : breachingSamples / samples,
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
    inPlace: {
      copy: copyTelemetryAcc,
      add: (acc: TelemetryAcc, sample: FeedTelemetrySample) => addSampleInPlace(acc, sample, thresholds),
    },
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
    inPlace: {
      copy: copyTelemetryAcc,
      add: (acc: TelemetryAcc, window: { readonly acc: TelemetryAcc }) =>
        mergeTelemetryAccInPlace(acc, window.acc),
      merge: mergeTelemetryAccInPlace,
    },
  });
}
