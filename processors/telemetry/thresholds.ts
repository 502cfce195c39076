/**
 * When one telemetry sample breaches the SLA, and when a window does. Defaults come from
 * /work/shared/DOMAIN.md section 2 (SRT deployment guide, ETSI TR 101 290) or are marked as ours.
 *
 * A sample breaches when any condition holds:
 * - `loss`: packets lost / packets sent above `lossRatioMax` (the 4 x RTT latency the SRT guide advises
 *   recovers up to 3 % loss);
 * - `latency-budget`: the receive buffer (the SRT latency) is shorter than the RTT multiple the SRT guide
 *   asks for at the sample's loss (up to 1 % loss 3 x RTT, 3 % 4 x, 7 % 5 x, 10 % 6 x, beyond: never enough);
 * - `drops`: packets dropped as too late (never recovered) / packets sent above `dropRatioMax`;
 * - `ts-errors`: any TR 101 290 priority-1 error (continuity count, sync loss, PAT/PMT), which the
 *   standard alarms at once;
 * - `frames`: video frames dropped / frames expected above `framesDroppedRatioMax`.
 *
 * A window breaches when at least `raiseBreachingFraction` of its samples breach ("the condition holds
 * for a whole window", with room for a stray sample), and is clean when at most
 * `clearBreachingFraction` do. Anything in between holds the SLA state where it is (hysteresis).
 */
import { StadionError } from '../../engine/errors.ts';
import type { FeedTelemetrySample } from '../../schemas/generated.ts';

/** The breach conditions, in the order of their bits in a reason mask. */
export const BREACH_REASONS = ['loss', 'latency-budget', 'drops', 'ts-errors', 'frames'] as const;
export type BreachReason = (typeof BREACH_REASONS)[number];

export interface SlaThresholds {
  /** Packets lost / packets sent above which a sample breaches. @default 0.03 (SRT guide, 4 x RTT) */
  readonly lossRatioMax: number;
  /** Unrecovered (dropped) packets / packets sent above which a sample breaches. @default 0.001 (ours) */
  readonly dropRatioMax: number;
  /** Dropped video frames / expected frames above which a sample breaches. @default 0.01 (ours) */
  readonly framesDroppedRatioMax: number;
  /** Priority-1 transport-stream errors in one sample above which it breaches. @default 0 (TR 101 290: alarm at once) */
  readonly tsPriority1ErrorsMax: number;
  /** A window breaches when at least this fraction of its samples breach. @default 0.8 (ours) */
  readonly raiseBreachingFraction: number;
  /** A window is clean when at most this fraction of its samples breach. @default 0 */
  readonly clearBreachingFraction: number;
  /** Windows with fewer samples decide nothing. @default 5 */
  readonly minSamplesPerWindow: number;
}

/** The defaults (see the module comment for their sources). */
export const DEFAULT_SLA_THRESHOLDS: SlaThresholds = Object.freeze({
  lossRatioMax: 0.03,
  dropRatioMax: 0.001,
  framesDroppedRatioMax: 0.01,
  tsPriority1ErrorsMax: 0,
  raiseBreachingFraction: 0.8,
  clearBreachingFraction: 0,
  minSamplesPerWindow: 5,
});

/** Thresholds with `overrides` applied, checked. Throws StadionError('CONFIG_INVALID'). */
export function slaThresholds(overrides: Partial<SlaThresholds> = {}): SlaThresholds {
  const t: SlaThresholds = { ...DEFAULT_SLA_THRESHOLDS, ...overrides };
  const fraction = (name: keyof SlaThresholds): void => {
    const value = t[name];
    if (!(value >= 0 && value <= 1))
      throw new StadionError('CONFIG_INVALID', `SLA threshold ${name} must be in [0, 1], got ${value}`);
  };
  for (const name of [
    'lossRatioMax',
    'dropRatioMax',
    'framesDroppedRatioMax',
    'raiseBreachingFraction',
    'clearBreachingFraction',
  ] as const)
    fraction(name);
  if (t.clearBreachingFraction >= t.raiseBreachingFraction)
    throw new StadionError(
      'CONFIG_INVALID',
      `clearBreachingFraction (${t.clearBreachingFraction}) must be below raiseBreachingFraction (${t.raiseBreachingFraction})`,
    );
  if (!Number.isInteger(t.minSamplesPerWindow) || t.minSamplesPerWindow < 1)
    throw new StadionError('CONFIG_INVALID', `minSamplesPerWindow must be an integer >= 1`);
  if (!(t.tsPriority1ErrorsMax >= 0))
    throw new StadionError('CONFIG_INVALID', `tsPriority1ErrorsMax must be >= 0`);
  return Object.freeze(t);
}

/** The RTT multiple the SRT latency must reach at a loss ratio (SRT deployment guide); Infinity above 10 %. */
export function requiredRttMultiple(lossRatio: number): number {
  if (lossRatio <= 0.01) return 3;
  if (lossRatio <= 0.03) return 4;
  if (lossRatio <= 0.07) return 5;
  if (lossRatio <= 0.1) return 6;
  return Number.POSITIVE_INFINITY;
}

/** Priority-1 transport-stream errors of a sample. */
export function tsPriority1Errors(sample: FeedTelemetrySample): number {
  return sample.ccErrors + sample.syncLossErrors + sample.patPmtErrors;
}

/** The conditions a sample breaches, as a bit mask over BREACH_REASONS (0: none). */
export function sampleBreachMask(sample: FeedTelemetrySample, t: SlaThresholds): number {
  const sent = Math.max(1, sample.packetsSent);
  const lossRatio = sample.packetsLost / sent;
  let mask = 0;
  if (lossRatio > t.lossRatioMax) mask |= 1;
  if (sample.receiveBufferMs < requiredRttMultiple(lossRatio) * sample.rttMs) mask |= 2;
  if (sample.packetsDropped / sent > t.dropRatioMax) mask |= 4;
  if (tsPriority1Errors(sample) > t.tsPriority1ErrorsMax) mask |= 8;
  const framesExpected = Math.max(1, (sample.frameRate * sample.intervalMs) / 1000);
  if (sample.framesDropped / framesExpected > t.framesDroppedRatioMax) mask |= 16;
  return mask;
}

/** Reason names of a mask, in BREACH_REASONS order. */
export function reasonsOf(mask: number): BreachReason[] {
  return BREACH_REASONS.filter((_, bit) => (mask & (1 << bit)) !== 0);
}
