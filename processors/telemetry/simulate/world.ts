/**
 * The simulated distribution: a feed catalogue grouped by venue with a competition-day schedule (feeds
 * live while their venue has a session, some channels all day), broadcasters each receiving through one
 * point of presence with its own path RTT, SRT latency and a subset of the feeds (rights).
 */
import type { FeedCatalogueEntry } from '../../../schemas/generated.ts';
import { createRng, deriveSeed } from '../../shared/random.ts';
import type { ResolvedOptions } from './options.ts';

export interface SimFeed {
  readonly entry: FeedCatalogueEntry;
  readonly frameRate: number;
  /** Live intervals [startMs, endMs), absolute event time. */
  readonly live: ReadonlyArray<readonly [number, number]>;
}

export interface SimBroadcaster {
  readonly broadcasterId: string;
  readonly popId: string;
  readonly baseRttMs: number;
  /** SRT latency: 4 x RTT with a 120 ms floor (SRT guide), rounded up to 10 ms. */
  readonly srtLatencyMs: number;
  readonly bandwidthMbps: number;
}

export interface SimPair {
  readonly index: number;
  readonly feed: SimFeed;
  readonly broadcaster: SimBroadcaster;
  /** Offset of this pair's samples within each interval, ms. */
  readonly phaseMs: number;
  /** Background loss ratio. */
  readonly baseLossRatio: number;
}

export interface SimWorld {
  readonly feeds: readonly SimFeed[];
  readonly broadcasters: readonly SimBroadcaster[];
  readonly pairs: readonly SimPair[];
}

const SPORTS = [
  'athletics',
  'swimming',
  'gymnastics',
  'football',
  'basketball',
  'cycling',
  'rowing',
  'judo',
  'volleyball',
  'tennis',
  'fencing',
  'handball',
  'hockey',
  'diving',
  'boxing',
  'equestrian',
];
const CHANNELS = ['MLT', 'CAM-1', 'CAM-2', 'CAM-3', 'ISO-FINISH', 'ISO-SLOMO', 'MIX-ZONE', 'CLEAN'];
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export function isLive(feed: SimFeed, timeMs: number): boolean {
  return feed.live.some(([start, end]) => timeMs >= start && timeMs < end);
}

/** Live for the whole of [fromMs, toMs). */
export function isLiveThroughout(feed: SimFeed, fromMs: number, toMs: number): boolean {
  return feed.live.some(([start, end]) => start <= fromMs && end >= toMs);
}

/** The competition sessions of one venue on the day of `startMs`: 08:00 to 23:00, with breaks. */
function venueSessions(seed: number, dayStartMs: number): Array<[number, number]> {
  const rng = createRng(seed);
  const sessions: Array<[number, number]> = [];
  let cursor = dayStartMs + 8 * HOUR_MS + rng.integer(0, 90) * MINUTE_MS;
  const close = dayStartMs + 23 * HOUR_MS;
  while (cursor < close) {
    const end = Math.min(close, cursor + rng.integer(90, 180) * MINUTE_MS);
    sessions.push([cursor - 10 * MINUTE_MS, end]); // feeds go live 10 min before the session
    cursor = end + rng.integer(30, 90) * MINUTE_MS;
  }
  return sessions;
}

export function buildWorld(o: ResolvedOptions): SimWorld {
  const dayStartMs = Math.floor(o.startMs / DAY_MS) * DAY_MS;
  const rng = createRng(deriveSeed(o.seed, 'catalogue'));
  const feeds: SimFeed[] = [];
  for (let i = 0; i < o.feeds; i += 1) {
    const venue = Math.floor(i / CHANNELS.length);
    const uhd = rng.chance(0.2);
    const hevc = uhd || rng.chance(0.4);
    const alwaysLive = rng.chance(o.alwaysLiveShare);
    feeds.push({
      entry: {
        feedId: `feed-${pad(i + 1, 3)}`,
        venue: `venue-${pad(venue + 1, 2)}`,
        event: SPORTS[venue % SPORTS.length] ?? 'athletics',
        channel: CHANNELS[i % CHANNELS.length] ?? 'MLT',
        nominalBitrateKbps: uhd ? 25_000 : hevc ? 8_000 : 12_000,
        resolution: uhd ? '3840x2160' : '1920x1080',
        codec: hevc ? 'hevc' : 'h264',
      },
      frameRate: 50,
      live: alwaysLive
        ? [[dayStartMs - DAY_MS, dayStartMs + 2 * DAY_MS]]
        : venueSessions(deriveSeed(o.seed, `venue-${venue}`), dayStartMs),
    });
  }
  const broadcasters: SimBroadcaster[] = [];
  const brng = createRng(deriveSeed(o.seed, 'broadcasters'));
  for (let i = 0; i < o.broadcasters; i += 1) {
    const baseRttMs = brng.uniform(15, 140);
    broadcasters.push({
      broadcasterId: `rhb-${pad(i + 1, 2)}`,
      popId: `pop-${pad((i % o.pops) + 1, 2)}`,
      baseRttMs,
      srtLatencyMs: Math.ceil(Math.max(120, 4 * baseRttMs) / 10) * 10,
      bandwidthMbps: brng.uniform(200, 1000),
    });
  }
  const pairs: SimPair[] = [];
  const prng = createRng(deriveSeed(o.seed, 'pairs'));
  for (const feed of feeds) {
    for (const broadcaster of broadcasters) {
      if (!prng.chance(o.subscriptionShare)) continue;
      pairs.push({
        index: pairs.length,
        feed,
        broadcaster,
        phaseMs: prng.integer(0, o.intervalMs - 1),
        baseLossRatio: prng.uniform(0.0005, 0.003),
      });
    }
  }
  return { feeds, broadcasters, pairs };
}
