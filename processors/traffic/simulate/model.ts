/**
 * The traffic model: a cell transmission model (Daganzo) on the segments, with a triangular
 * fundamental diagram per segment (free-flow speed, capacity per lane, jam density), a capacity drop
 * once a segment is congested, queues that spill back upstream when a segment cannot receive what
 * arrives, origin queues off the network when an entry is full, a junction at each inbound
 * corridor's venue end that lets through 90% of the last segment's capacity, closures (a closed
 * segment receives nothing) and diversions (a share of a segment's outflow sent elsewhere; a diverge
 * is FIFO: a blocked branch holds back the whole outflow). Pure and deterministic.
 */
import type { TrafficScenario } from '../../../schemas/generated.ts';
import { entryDemandVehPerHour, type VenueSession } from './demand.ts';
import type { Network } from './network.ts';

export interface ModelOptions {
  readonly dayStartMs: number;
  readonly dayEndMs: number;
  /** @default MODEL_DEFAULTS.stepS */
  readonly stepS?: number;
  /** @default MODEL_DEFAULTS.intervalS */
  readonly intervalS?: number;
}

export const MODEL_DEFAULTS = {
  /** Model time step, seconds (free-flow travel over the shortest segment takes longer). */
  stepS: 10,
  /** Interval the state is reported for, seconds (the detectors' counting interval). */
  intervalS: 30,
  /** Jam density, vehicles per km per lane. */
  jamDensityVehPerKmPerLane: 140,
  /** Capacity lost by a segment discharging from a queue, share. */
  capacityDrop: 0.08,
  /** Share of the last inbound segment's capacity the venue junction lets through. */
  junctionCapacityShare: 0.9,
} as const;

/** The true state of every segment (in network order) over one interval. */
export interface IntervalState {
  readonly intervalStartMs: number;
  /** Mean density over the interval, vehicles per km per lane. */
  readonly densityVehPerKmPerLane: Float64Array;
  /** Vehicles that left the segment during the interval. */
  readonly outflowVeh: Float64Array;
  /** Space-mean speed (outflow / density), km/h; the free-flow speed when empty. */
  readonly speedKmh: Float64Array;
  /** Vehicle-hours of delay against free flow in the interval (hours travelled - km / free-flow speed). */
  readonly delayVehH: Float64Array;
  /** 1 where the segment is closed. */
  readonly closed: Uint8Array;
}

interface Target {
  readonly index: number;
  readonly share: number;
}

/** Runs the model over the day and yields the state of every interval, in order. */
export function* runTrafficModel(
  network: Network,
  scenario: TrafficScenario,
  sessions: readonly VenueSession[],
  options: ModelOptions,
): Generator<IntervalState> {
  const stepS = options.stepS ?? MODEL_DEFAULTS.stepS;
  const intervalS = options.intervalS ?? MODEL_DEFAULTS.intervalS;
  const stepsPerInterval = Math.max(1, Math.round(intervalS / stepS));
  const dtH = stepS / 3600;
  const segments = network.segments;
  const count = segments.length;
  const indexOf = new Map(segments.map((s, i) => [s.segmentId, i]));
  const next = segments.map((s) => {
    const id = s.downstreamSegmentIds.find(
      (d) => segments[indexOf.get(d) ?? -1]?.corridorId === s.corridorId,
    );
    return id === undefined ? -1 : (indexOf.get(id) ?? -1);
  });
  const lengthKm = segments.map((s) => s.lengthM / 1000);
  const kj = MODEL_DEFAULTS.jamDensityVehPerKmPerLane;
  const critical = segments.map((s) => s.capacityVehPerHourPerLane / s.freeFlowSpeedKmh);
  const wave = segments.map((s, i) => s.capacityVehPerHourPerLane / (kj - (critical[i] ?? 0)));
  const heads = segments.map((s, i) => (s.position === 0 ? i : -1)).filter((i) => i >= 0);
  const corridorShares = new Map<string, number>();
  for (const venue of network.venues) {
    const own = segments.filter((s) => s.venue === venue && s.position === 0 && s.direction === 'in');
    const weights = own.map((s) => 0.75 + 0.5 * (((s.corridorIndex * 7919) % 13) / 12));
    const total = weights.reduce((a, b) => a + b, 0);
    own.forEach((s, i) => corridorShares.set(`${venue}/${s.corridorIndex}`, (weights[i] ?? 0) / total));
  }
  const closures = scenario.closures.flatMap((c) => {
    const index = indexOf.get(c.segmentId);
    return index === undefined ? [] : [{ index, fromMs: c.fromMs, toMs: c.toMs }];
  });
  const diversions = scenario.diversions.flatMap((d) => {
    const from = indexOf.get(d.fromSegmentId);
    const to = indexOf.get(d.toSegmentId);
    return from === undefined || to === undefined
      ? []
      : [{ from, to, share: d.share, fromMs: d.fromMs, toMs: d.toMs }];
  });

  const vehicles = new Float64Array(count);
  const originQueue = new Float64Array(count);
  const sending = new Float64Array(count);
  const receiving = new Float64Array(count);
  const demandTo = new Float64Array(count);
  const ratio = new Float64Array(count);
  const outflow = new Float64Array(count);
  const entrySending = new Float64Array(count);
  const closed = new Uint8Array(count);
  const targets: Target[][] = segments.map(() => []);

  for (
    let intervalStartMs = options.dayStartMs;
    intervalStartMs < options.dayEndMs;
    intervalStartMs += intervalS * 1000
  ) {
    const kSum = new Float64Array(count);
    const outVeh = new Float64Array(count);
    const delay = new Float64Array(count);
    const closedNow = new Uint8Array(count);
    for (let step = 0; step < stepsPerInterval; step += 1) {
      const timeMs = intervalStartMs + step * stepS * 1000;
      closed.fill(0);
      for (const c of closures) if (timeMs >= c.fromMs && timeMs < c.toMs) closed[c.index] = 1;
      for (let i = 0; i < count; i += 1) {
        const t: Target[] = [];
        const n = next[i] ?? -1;
        t.push({ index: n, share: 1 });
        targets[i] = t;
      }
      for (const d of diversions) {
        if (timeMs < d.fromMs || timeMs >= d.toMs) continue;
        const own = targets[d.from]?.[0];
        if (own === undefined) continue;
        targets[d.from] = [
          { index: own.index, share: 1 - d.share },
          { index: d.to, share: d.share },
        ].filter((t) => t.share > 0);
      }
      demandTo.fill(0);
      for (let i = 0; i < count; i += 1) {
        const s = segments[i];
        if (s === undefined) continue;
        const k = (vehicles[i] ?? 0) / ((lengthKm[i] ?? 1) * s.lanes);
        kSum[i] = (kSum[i] ?? 0) + k;
        const q = s.capacityVehPerHourPerLane;
        const cap = k > (critical[i] ?? 0) ? q * (1 - MODEL_DEFAULTS.capacityDrop) : q;
        sending[i] = Math.min(s.freeFlowSpeedKmh * k, cap) * s.lanes;
        receiving[i] = closed[i] === 1 ? 0 : Math.min(q, (wave[i] ?? 0) * (kj - k)) * s.lanes;
        if (closed[i] === 1) closedNow[i] = 1;
      }
      for (let i = 0; i < count; i += 1)
        for (const t of targets[i] ?? [])
          if (t.index >= 0) demandTo[t.index] = (demandTo[t.index] ?? 0) + (sending[i] ?? 0) * t.share;
      for (const h of heads) {
        const s = segments[h];
        if (s === undefined) continue;
        const share = corridorShares.get(`${s.venue}/${s.corridorIndex}`) ?? 0;
        originQueue[h] = (originQueue[h] ?? 0) + entryDemandVehPerHour(s, timeMs, sessions, share) * dtH;
        entrySending[h] = Math.min((originQueue[h] ?? 0) / dtH, s.capacityVehPerHourPerLane * s.lanes);
        demandTo[h] = (demandTo[h] ?? 0) + (entrySending[h] ?? 0);
      }
      for (let j = 0; j < count; j += 1) {
        const demand = demandTo[j] ?? 0;
        ratio[j] = demand > 0 ? Math.min(1, (receiving[j] ?? 0) / demand) : 1;
      }
      for (let i = 0; i < count; i += 1) {
        const s = segments[i];
        const send = sending[i] ?? 0;
        if (s === undefined || send <= 0) {
          outflow[i] = 0;
          continue;
        }
        let factor = 1;
        for (const t of targets[i] ?? []) {
          if (t.index >= 0) factor = Math.min(factor, ratio[t.index] ?? 1);
          else if (s.direction === 'in') {
            const junction = MODEL_DEFAULTS.junctionCapacityShare * s.capacityVehPerHourPerLane * s.lanes;
            factor = Math.min(factor, junction / send);
          }
        }
        outflow[i] = send * factor;
      }
      for (let i = 0; i < count; i += 1) {
        const out = (outflow[i] ?? 0) * dtH;
        vehicles[i] = (vehicles[i] ?? 0) - out;
        outVeh[i] = (outVeh[i] ?? 0) + out;
        for (const t of targets[i] ?? [])
          if (t.index >= 0) vehicles[t.index] = (vehicles[t.index] ?? 0) + out * t.share;
      }
      for (const h of heads) {
        const admitted = (entrySending[h] ?? 0) * (ratio[h] ?? 1) * dtH;
        originQueue[h] = (originQueue[h] ?? 0) - admitted;
        vehicles[h] = (vehicles[h] ?? 0) + admitted;
      }
    }
    const density = new Float64Array(count);
    const speed = new Float64Array(count);
    const intervalH = intervalS / 3600;
    for (let i = 0; i < count; i += 1) {
      const s = segments[i];
      if (s === undefined) continue;
      const k = (kSum[i] ?? 0) / stepsPerInterval;
      density[i] = k;
      const qLane = (outVeh[i] ?? 0) / intervalH / s.lanes;
      speed[i] = k > 1e-6 ? Math.max(1, Math.min(s.freeFlowSpeedKmh, qLane / k)) : s.freeFlowSpeedKmh;
      delay[i] =
        intervalH * s.lanes * (lengthKm[i] ?? 0) * k -
        ((outVeh[i] ?? 0) * (lengthKm[i] ?? 0)) / s.freeFlowSpeedKmh;
    }
    yield {
      intervalStartMs,
      densityVehPerKmPerLane: density,
      outflowVeh: outVeh,
      speedKmh: speed,
      delayVehH: delay,
      closed: closedNow,
    };
  }
}
