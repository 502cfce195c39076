/**
 * The telemetry topology on the TestDriver against the simulator's ground truth: one alert per affected
 * (feed, broadcaster) per incident, cleared after it ends, none for blips, the right root scope for every
 * incident; percentiles within the sketch's error of the exact ones; a restart mid-stream changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { simulateTelemetry } from '../../../processors/telemetry/simulate/index.ts';
import { PERCENTILE_RELATIVE_ACCURACY } from '../../../processors/telemetry/window-aggregate.ts';
import { testSeed } from '../../support/random.ts';
import { incidentLike, runOnDriver } from './run-driver.ts';
import { truthProblems } from './truth.ts';

const SMALL = { feeds: 40, broadcasters: 8, pops: 3, durationS: 480 } as const;

/** Lower (nearest-rank) quantile, the sketch's definition. */
function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN;
}

describe('telemetry topology on the ground truth', () => {
  const seed = testSeed('telemetry topology');
  const sim = simulateTelemetry({ seed, ...SMALL });
  const run = runOnDriver(sim);

  it('injects every kind of incident and some blips', () => {
    const kinds = sim.incidents.map((i) => (i.blip ? 'blip' : i.kind));
    expect(new Set(kinds)).toEqual(new Set(['pop', 'feed', 'broadcaster', 'blip']));
  });

  it('raises exactly one alert per affected pair, clears it after the end, none for blips, right scopes', () => {
    const problems = truthProblems(sim.incidents, run.alerts, run.incidents.map(incidentLike));
    expect(problems, `seed ${seed}`).toEqual([]);
    expect(run.driver.lateRecords()).toEqual([]);
    expect(run.driver.deadLetters()).toEqual([]);
  });

  it('keeps SLA state only for pairs with an open alert (healthy pairs write no changelog entry)', () => {
    // Committed every 2,000 samples, so that open alerts are in the changelog.
    const { driver, alerts } = runOnDriver(sim, [], 2_000);
    const alerted = new Set(alerts.map((a) => `${a.feedId}/${a.broadcasterId}`));
    // Changelog keys: `<task>/<JSON of the record key>`.
    const pairs = driver
      .changelog('telemetry-sla')
      .map((e) => String(JSON.parse(e.key.slice(e.key.indexOf('"')))));
    expect(pairs.length).toBeGreaterThan(0);
    expect(pairs.filter((pair) => !alerted.has(pair))).toEqual([]);
  });

  it('reports RTT and latency percentiles within the sketch error of the exact ones', () => {
    const byWindow = new Map<string, { rtt: number[]; latency: number[] }>();
    for (const s of run.samples) {
      const key = `${s.feedId}/${s.broadcasterId}/${Math.floor(s.eventTimeMs / 10_000) * 10_000}`;
      const entry = byWindow.get(key) ?? { rtt: [], latency: [] };
      entry.rtt.push(s.rttMs);
      entry.latency.push(s.latencyMs);
      byWindow.set(key, entry);
    }
    const rows = run.driver.rows('telemetry_windows_10s');
    expect(rows.length).toBe(byWindow.size);
    for (const row of rows) {
      const exact = byWindow.get(
        `${String(row['feed_id'])}/${String(row['broadcaster_id'])}/${Number(row['window_start'])}`,
      );
      expect(exact).toBeDefined();
      for (const [column, values] of [
        ['rtt_ms', exact?.rtt ?? []],
        ['latency_ms', exact?.latency ?? []],
      ] as const) {
        for (const q of [0.5, 0.95, 0.99]) {
          const want = exactQuantile(values, q);
          const got = Number(row[`${column}_p${Math.round(q * 100)}`]);
          expect(Math.abs(got - want)).toBeLessThanOrEqual(PERCENTILE_RELATIVE_ACCURACY * want + 1e-9);
        }
      }
    }
  });

  it('builds each full minute window from its six 10 s windows', () => {
    const tenSeconds = new Map(
      run.driver
        .rows('telemetry_windows_10s')
        .map((r) => [
          `${String(r['feed_id'])}/${String(r['broadcaster_id'])}/${Number(r['window_start'])}`,
          r,
        ]),
    );
    let full = 0;
    for (const minute of run.driver.rows('telemetry_windows_1m')) {
      const parts = [0, 1, 2, 3, 4, 5].map((i) =>
        tenSeconds.get(
          `${String(minute['feed_id'])}/${String(minute['broadcaster_id'])}/${Number(minute['window_start']) + i * 10_000}`,
        ),
      );
      if (parts.some((p) => p === undefined)) continue;
      full += 1;
      expect(minute['samples']).toBe(parts.reduce((n, p) => n + Number(p?.['samples']), 0));
      expect(minute['rtt_ms_max']).toBe(Math.max(...parts.map((p) => Number(p?.['rtt_ms_max']))));
      expect(minute['packets_lost']).toBe(parts.reduce((n, p) => n + Number(p?.['packets_lost']), 0));
    }
    expect(full).toBeGreaterThan(1000);
  });

  it('gives the same outputs when restarted from its changelogs twice mid-stream', () => {
    const restarted = runOnDriver(sim, [0.37, 0.71]);
    for (const sink of ['telemetry_windows_10s', 'telemetry_windows_1m', 'telemetry_alerts'])
      expect(restarted.driver.rows(sink), sink).toEqual(run.driver.rows(sink));
    for (const sink of ['telemetry_incidents', 'telemetry_incident_members'])
      expect(restarted.correlation.rows(sink), sink).toEqual(run.correlation.rows(sink));
    expect(restarted.alerts).toEqual(run.alerts);
  });
});

describe('telemetry topology with blips only', () => {
  it('raises nothing', () => {
    const seed = testSeed('telemetry blips');
    const sim = simulateTelemetry({
      seed,
      ...SMALL,
      durationS: 300,
      incidents: { pop: 0, feed: 0, broadcaster: 0, blip: 6 },
    });
    expect(sim.incidents.length).toBeGreaterThanOrEqual(4);
    const run = runOnDriver(sim);
    expect(run.alerts, `seed ${seed}`).toEqual([]);
    expect(run.incidents).toEqual([]);
  });
});
