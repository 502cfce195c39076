/**
 * Telemetry samples, one per live (feed, broadcaster) pair per interval, generated interval by interval
 * in arrival order (event time plus a delivery jitter below the interval), so a Games-scale run never
 * holds more than one interval in memory.
 */
import type { FeedTelemetrySample } from '../../../schemas/generated.ts';
import { createRng, deriveSeed, type Rng } from '../../shared/random.ts';
import type { InjectedIncident, IncidentEffect } from './incidents.ts';
import type { ResolvedOptions } from './options.ts';
import { isLive, type SimPair, type SimWorld } from './world.ts';

/** SRT payload: 7 transport-stream packets of 188 bytes. */
const SRT_PAYLOAD_BITS = 7 * 188 * 8;

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function sample(
  pair: SimPair,
  eventTimeMs: number,
  o: ResolvedOptions,
  rng: Rng,
  effect: IncidentEffect | undefined,
): FeedTelemetrySample {
  const { feed, broadcaster } = pair;
  const nominalKbps = feed.entry.nominalBitrateKbps;
  const bitrateKbps = nominalKbps * (effect?.bitrateFactor ?? 1) * (1 + rng.normal(0, 0.03));
  const packetsSent = Math.max(1, Math.round((bitrateKbps * o.intervalMs) / SRT_PAYLOAD_BITS));
  const lossRatio =
    effect?.lossRatio === null || effect?.lossRatio === undefined
      ? Math.max(0, pair.baseLossRatio * (1 + rng.normal(0, 0.3)))
      : Math.max(0, effect.lossRatio * (1 + rng.normal(0, 0.08)));
  const packetsLost = Math.round(packetsSent * lossRatio);
  const packetsRetransmitted = packetsLost + Math.round(packetsLost * rng.uniform(0, 0.1));
  const packetsDropped = Math.round(packetsLost * (effect?.dropShareOfLost ?? 0));
  const rttMs = round3(
    Math.max(1, broadcaster.baseRttMs * (effect?.rttFactor ?? 1) * (1 + rng.normal(0, 0.05))),
  );
  const frames = (feed.frameRate * o.intervalMs) / 1000;
  const framesDropped = Math.round(frames * (effect?.framesDroppedShare ?? 0) * (1 + rng.normal(0, 0.1)));
  return {
    feedId: feed.entry.feedId,
    broadcasterId: broadcaster.broadcasterId,
    popId: broadcaster.popId,
    eventTimeMs,
    intervalMs: o.intervalMs,
    rttMs,
    latencyMs: round3(broadcaster.srtLatencyMs + rttMs / 2 + Math.abs(rng.normal(0, 2))),
    packetsSent,
    packetsReceived: packetsSent - packetsLost + packetsRetransmitted - packetsDropped,
    packetsLost,
    packetsRetransmitted,
    packetsDropped,
    sendRateMbps: round3(((bitrateKbps / 1000) * (packetsSent + packetsRetransmitted)) / packetsSent),
    receiveBufferMs: broadcaster.srtLatencyMs,
    bandwidthEstimateMbps: round3(
      broadcaster.bandwidthMbps * (effect?.bandwidthFactor ?? 1) * (1 + rng.normal(0, 0.05)),
    ),
    videoBitrateKbps: round3(bitrateKbps),
    framesDropped: Math.max(0, framesDropped),
    frameRate: feed.frameRate,
    resolution: feed.entry.resolution,
    codec: feed.entry.codec,
    ccErrors: effect === undefined ? 0 : effect.ccErrorsPerInterval + Math.min(packetsDropped, 20),
    syncLossErrors: 0,
    patPmtErrors: 0,
    pcrPtsErrors: effect !== undefined && effect.bitrateFactor < 1 ? rng.integer(0, 2) : 0,
  };
}

/** The samples of each interval in arrival order, interval after interval. */
export function* samplesByInterval(
  o: ResolvedOptions,
  world: SimWorld,
  incidents: readonly InjectedIncident[],
): Generator<FeedTelemetrySample[]> {
  const rng = createRng(deriveSeed(o.seed, 'samples'));
  const affected = incidents.map((incident) => ({ incident, pairs: new Set(incident.pairs) }));
  const intervals = Math.floor((o.durationS * 1000) / o.intervalMs);
  for (let i = 0; i < intervals; i += 1) {
    const intervalStartMs = o.startMs + i * o.intervalMs;
    const active = affected.filter(
      ({ incident }) => incident.endMs > intervalStartMs && incident.startMs < intervalStartMs + o.intervalMs,
    );
    const batch: Array<{ arrivalMs: number; value: FeedTelemetrySample }> = [];
    for (const pair of world.pairs) {
      const eventTimeMs = intervalStartMs + pair.phaseMs;
      if (!isLive(pair.feed, eventTimeMs)) continue;
      let effect: IncidentEffect | undefined;
      if (active.length > 0) {
        const key = `${pair.feed.entry.feedId}/${pair.broadcaster.broadcasterId}`;
        effect = active.find(
          ({ incident, pairs }) =>
            pairs.has(key) && eventTimeMs >= incident.startMs && eventTimeMs < incident.endMs,
        )?.incident.effect;
      }
      batch.push({
        arrivalMs: eventTimeMs + rng.uniform(0, o.maxArrivalJitterMs),
        value: sample(pair, eventTimeMs, o, rng, effect),
      });
    }
    batch.sort((a, b) => a.arrivalMs - b.arrivalMs);
    yield batch.map((b) => b.value);
  }
}
