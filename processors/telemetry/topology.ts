/**
 * The broadcast feed telemetry topology: samples per (feed, broadcaster) into 10 s tumbling and 1-minute
 * hopping windows (loss, retransmission, RTT and latency percentiles, bitrate, dropped frames, TS errors),
 * an SLA state machine per pair fed by the 10 s windows (alerts opened and cleared, to ClickHouse and the
 * telemetry.alerts stats topic). Raw samples go to ClickHouse too, for exact quantiles and ad-hoc
 * questions. Everything is keyed by pair within the samples' partition, so telemetry.samples may have
 * any number of partitions, shared by several instances.
 *
 * Incident correlation (POP, feed or broadcaster) needs every pair's alerts in one place: it is a second
 * topology, telemetry-incidents, reading telemetry.alerts (createTelemetryIncidentsTopology).
 */
import { defineTopology, type WindowResult } from '../../engine/topology/builder.ts';
import type { TopologyGraph } from '../../engine/topology/graph.ts';
import { avro } from '../../engine/topology/codecs.ts';
import { clickhouseSink, kafkaSink } from '../../engine/topology/sinks.ts';
import { TimeWindows } from '../../engine/windows/index.ts';
import {
  feedCatalogueEntrySchema,
  feedTelemetrySampleSchema,
  slaAlertSchema,
  type FeedCatalogueEntry,
  type FeedTelemetrySample,
  type SlaAlert,
} from '../../schemas/generated.ts';
import { DEFAULT_CLUSTER_GAP_MS, type Incident } from './correlation.ts';
import { correlationProcessor, slaProcessor, type SlaOutput } from './processors.ts';
import { slaThresholds, type SlaThresholds } from './thresholds.ts';
import {
  minuteWindowAggregator,
  sampleWindowAggregator,
  type TelemetryWindow,
  type TelemetryWindowSummary,
} from './window-aggregate.ts';

export const TELEMETRY_TOPICS = {
  samples: 'telemetry.samples',
  feeds: 'telemetry.feeds',
  alerts: 'telemetry.alerts',
} as const;

/** The name of the telemetry topology (and of its default consumer group's suffix). */
export const TELEMETRY_TOPOLOGY = 'telemetry';

/** The alert window (tumbling), ms. */
export const ALERT_WINDOW_MS = 10_000;
/** The hopping windows' size and advance, ms. */
export const MINUTE_WINDOW_MS = 60_000;
export const MINUTE_WINDOW_ADVANCE_MS = 10_000;
/** Samples may arrive this late (event time) within the partition. @default 500 */
export const DEFAULT_SAMPLE_OUT_OF_ORDERNESS_MS = 500;
/** Grace of the windows after the watermark passed their end. @default 250 */
export const DEFAULT_WINDOW_GRACE_MS = 250;

export interface TelemetryTopologyOptions {
  /** SLA thresholds; unset ones take DEFAULT_SLA_THRESHOLDS. */
  readonly thresholds?: Partial<SlaThresholds>;
  /** @default DEFAULT_SAMPLE_OUT_OF_ORDERNESS_MS */
  readonly maxOutOfOrdernessMs?: number;
  /** @default DEFAULT_WINDOW_GRACE_MS */
  readonly windowGraceMs?: number;
}

const validSample = (s: FeedTelemetrySample) =>
  Number.isFinite(s.rttMs) &&
  Number.isFinite(s.latencyMs) &&
  s.rttMs >= 0 &&
  s.packetsSent >= 0 &&
  s.packetsLost >= 0 &&
  s.intervalMs > 0
    ? ({ ok: true } as const)
    : ({ ok: false, reason: 'rttMs/latencyMs not finite, a negative count or intervalMs <= 0' } as const);

/**
 * A window's row; the 10 s windows' SLA columns come in `sla` (one object per row, not a spread copy
 * of another: these rows are made for every window of every pair).
 */
function windowColumns(
  w: WindowResult<TelemetryWindowSummary>,
  sla?: { breachingFraction: number; verdict: string; inAlert: boolean },
) {
  const s = w.value;
  return {
    feed_id: s.feedId,
    broadcaster_id: s.broadcasterId,
    pop_id: s.popId,
    window_start: w.windowStartMs,
    window_end: w.windowEndMs,
    samples: s.samples,
    packets_sent: s.packetsSent,
    packets_lost: s.packetsLost,
    packets_retransmitted: s.packetsRetransmitted,
    packets_dropped: s.packetsDropped,
    loss_ratio: s.lossRatio,
    retransmission_ratio: s.retransmissionRatio,
    drop_ratio: s.dropRatio,
    // Written out, not built from a prefix: one row per window and pair, on the hot path.
    rtt_ms_p50: s.rttMs.p50,
    rtt_ms_p95: s.rttMs.p95,
    rtt_ms_p99: s.rttMs.p99,
    rtt_ms_max: s.rttMs.max,
    latency_ms_p50: s.latencyMs.p50,
    latency_ms_p95: s.latencyMs.p95,
    latency_ms_p99: s.latencyMs.p99,
    latency_ms_max: s.latencyMs.max,
    bitrate_min_kbps: s.bitrateMinKbps,
    bitrate_mean_kbps: s.bitrateMeanKbps,
    bandwidth_min_mbps: s.bandwidthMinMbps,
    frames_dropped: s.framesDropped,
    cc_errors: s.ccErrors,
    ts_p1_errors: s.tsPriority1Errors,
    ts_p2_errors: s.tsPriority2Errors,
    breaching_samples: s.breachingSamples,
    reasons: s.reasons,
    breaching_fraction: sla?.breachingFraction,
    verdict: sla?.verdict,
    in_alert: sla === undefined ? undefined : sla.inAlert ? 1 : 0,
  };
}

type Of<K extends SlaOutput['kind']> = Extract<SlaOutput, { kind: K }>;

export function createTelemetryTopology(options: TelemetryTopologyOptions = {}): TopologyGraph {
  const thresholds = slaThresholds(options.thresholds);
  const graceMs = options.windowGraceMs ?? DEFAULT_WINDOW_GRACE_MS;
  return defineTopology(TELEMETRY_TOPOLOGY, (t) => {
    t.stream<FeedCatalogueEntry>('feeds', {
      topic: TELEMETRY_TOPICS.feeds,
      codec: avro<FeedCatalogueEntry>(feedCatalogueEntrySchema),
    }).to(
      clickhouseSink({
        table: 'telemetry_feeds',
        toRow: (f, record) => ({
          feed_id: f.feedId,
          venue: f.venue,
          event: f.event,
          channel: f.channel,
          nominal_bitrate_kbps: f.nominalBitrateKbps,
          resolution: f.resolution,
          codec: f.codec,
          updated_at: record.timestampMs,
        }),
      }),
    );

    const samples = t.stream<FeedTelemetrySample>('samples', {
      topic: TELEMETRY_TOPICS.samples,
      codec: avro<FeedTelemetrySample>(feedTelemetrySampleSchema, validSample),
      timestampOf: (s) => s.eventTimeMs,
      maxOutOfOrdernessMs: options.maxOutOfOrdernessMs ?? DEFAULT_SAMPLE_OUT_OF_ORDERNESS_MS,
      // Every valid sample as sent, for exact queries over the raw data: a bulk load (ClickHouse parses
      // the Avro; one JavaScript row per sample cost about a sixth of the pipeline's time).
      bulkLoad: {
        table: 'telemetry_samples',
        select: `SELECT feedId, broadcasterId, popId, fromUnixTimestamp64Milli(eventTimeMs), intervalMs, rttMs,
          latencyMs, packetsSent, packetsReceived, packetsLost, packetsRetransmitted, packetsDropped, sendRateMbps,
          receiveBufferMs, bandwidthEstimateMbps, videoBitrateKbps, framesDropped, ccErrors,
          ccErrors + syncLossErrors + patPmtErrors, pcrPtsErrors
          FROM {input}`,
      },
    });

    const windows = samples
      .selectKey((s) => `${s.feedId}/${s.broadcasterId}`)
      .window(TimeWindows.ofSizeAndGrace(ALERT_WINDOW_MS, graceMs))
      .aggregate('telemetry-windows-10s', sampleWindowAggregator(thresholds))
      .final();

    windows
      .map((w) => ({ acc: w.value.acc }))
      .window(TimeWindows.ofSizeAndGrace(MINUTE_WINDOW_MS, graceMs).advanceBy(MINUTE_WINDOW_ADVANCE_MS))
      .aggregate('telemetry-windows-1m', minuteWindowAggregator())
      .final()
      .to(clickhouseSink({ table: 'telemetry_windows_1m', toRow: (w) => windowColumns(w) }));

    const sla = windows.process('telemetry-sla', slaProcessor(thresholds)).branch({
      window: (o) => o.kind === 'window',
      alert: (o) => o.kind === 'alert',
    });

    sla.window.to(
      clickhouseSink({
        table: 'telemetry_windows_10s',
        toRow: (value) => {
          const o = value as Of<'window'>;
          return windowColumns(o.window, {
            breachingFraction: o.window.value.breachingFraction,
            verdict: o.verdict,
            inAlert: o.inAlert,
          });
        },
      }),
    );

    const alerts = sla.alert.map((value) => (value as Of<'alert'>).alert);
    alerts.to(
      clickhouseSink<SlaAlert>({
        table: 'telemetry_alerts',
        toRow: (a) => ({
          alert_id: a.alertId,
          kind: a.kind === 'OPENED' ? 'opened' : 'cleared',
          feed_id: a.feedId,
          broadcaster_id: a.broadcasterId,
          pop_id: a.popId,
          breach_start: a.breachStartMs,
          window_start: a.windowStartMs,
          window_end: a.windowEndMs,
          reasons: a.reasons,
          breaching_fraction: a.breachingFraction,
          loss_ratio: a.lossRatio,
          rtt_p95_ms: a.rttP95Ms,
          windows_in_breach: a.windowsInBreach,
        }),
      }),
    );
    alerts.to(
      kafkaSink<SlaAlert>({
        topic: TELEMETRY_TOPICS.alerts,
        codec: avro(slaAlertSchema),
        keyOf: (a) => `${a.feedId}/${a.broadcasterId}`,
        // Operators watch this topic: sent as soon as a batch is processed, not with the flush.
        delivery: 'eager',
      }),
    );
  });
}

export interface TelemetryIncidentsOptions {
  /** @default DEFAULT_CLUSTER_GAP_MS */
  readonly clusterGapMs?: number;
  /** The telemetry topology's window grace (alerts come that far below its watermark). @default DEFAULT_WINDOW_GRACE_MS */
  readonly windowGraceMs?: number;
}

/**
 * Incident correlation over the opened alerts of every pair, read back from telemetry.alerts (one
 * partition): the samples can then have many partitions, processed by several instances, while every
 * alert still meets the others in one task. The alerts' watermark is the telemetry topology's committed
 * watermark over all its samples partitions (engine: UpstreamWatermark), less the window grace; alerts
 * are taken in event-time order as it passes them, so the incidents do not depend on how the partitions'
 * alerts interleaved on the topic, and alerts repeated by a replay upstream are ignored.
 */
export function createTelemetryIncidentsTopology(options: TelemetryIncidentsOptions = {}): TopologyGraph {
  return defineTopology('telemetry-incidents', (t) => {
    const incidents = t
      .stream<SlaAlert>('alerts', {
        topic: TELEMETRY_TOPICS.alerts,
        codec: avro<SlaAlert>(slaAlertSchema),
        timestampOf: (a) => a.windowEndMs,
        watermarkFrom: {
          topology: TELEMETRY_TOPOLOGY,
          topic: TELEMETRY_TOPICS.samples,
          holdBackMs: options.windowGraceMs ?? DEFAULT_WINDOW_GRACE_MS,
        },
      })
      .filter((a) => a.kind === 'OPENED')
      .selectKey(() => 'all')
      .process('telemetry-correlation', correlationProcessor(options.clusterGapMs ?? DEFAULT_CLUSTER_GAP_MS));
    incidents.to(
      clickhouseSink<Incident>({
        table: 'telemetry_incidents',
        toRow: (i) => ({
          incident_id: i.incidentId,
          scope: i.scope,
          scope_id: i.scopeId,
          started_at: i.startedMs,
          detected_at: i.detectedMs,
          pop_ids: i.popIds,
          alerts: i.members.length,
          feeds: i.feeds,
          broadcasters: i.broadcasters,
        }),
      }),
    );
    incidents
      .flatMap((i) => i.members.map((m) => ({ incidentId: i.incidentId, scope: i.scope, member: m })))
      .to(
        clickhouseSink({
          table: 'telemetry_incident_members',
          toRow: (m) => ({
            incident_id: m.incidentId,
            scope: m.scope,
            alert_id: m.member.alertId,
            feed_id: m.member.feedId,
            broadcaster_id: m.member.broadcasterId,
            pop_id: m.member.popId,
            breach_start: m.member.breachStartMs,
          }),
        }),
      );
  });
}

/** The topology with the default thresholds (what `stadion run telemetry` runs). */
export const telemetryTopology = createTelemetryTopology();
/** What `stadion run telemetry-incidents` runs. */
export const telemetryIncidentsTopology = createTelemetryIncidentsTopology();

export type { Incident, SlaAlert, TelemetryWindow };
