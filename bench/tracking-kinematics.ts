/**
 * Cost per observation of the pure tracking kinematics (no I/O, no decoding): stepSprint with and
 * without keypoints, stepTeamSport, and the size of their state as JSON. Observations are generated
 * first (seeded), then fed athlete by athlete interleaved frame by frame, as a keyed processor sees them.
 *
 *   npx tsx bench/tracking-kinematics.ts [rounds=5]
 */
import {
  initialSprintState,
  initialTeamSportState,
  stepSprint,
  stepTeamSport,
  type SprintState,
  type TeamSportState,
} from '../processors/tracking/kinematics/index.ts';
import { simulateRace } from '../test/processors/tracking/kinematics/sprint-model.ts';
import { simulatePlayer } from '../test/processors/tracking/kinematics/team-model.ts';

const rounds = Number(process.argv[2] ?? 5);

function interleave<T>(lists: T[][]): Array<{ athlete: number; item: T }> {
  const out: Array<{ athlete: number; item: T }> = [];
  const longest = Math.max(...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) {
    lists.forEach((list, athlete) => {
      const item = list[i];
      if (item !== undefined) out.push({ athlete, item });
    });
  }
  return out;
}

function timeSprint(withKeypoints: boolean): void {
  const races = Array.from({ length: 40 }, (_, k) => simulateRace(100 + k, 100, { fps: 50, withKeypoints }));
  const feed = interleave(races.map((r) => r.observations));
  const results: number[] = [];
  let stateBytes = 0;
  for (let round = 0; round < rounds; round++) {
    const states: SprintState[] = races.map(() => initialSprintState());
    const started = process.hrtime.bigint();
    for (const { athlete, item } of feed) {
      const race = races[athlete];
      const state = states[athlete];
      if (race === undefined || state === undefined) continue;
      stepSprint(state, item, { startSignalMs: race.gunMs, distanceM: 100 });
    }
    const ns = Number(process.hrtime.bigint() - started);
    results.push(ns / 1000 / feed.length);
    stateBytes = JSON.stringify(states[0]).length;
  }
  results.sort((a, b) => a - b);
  console.log(
    `stepSprint ${withKeypoints ? 'with' : 'without'} keypoints: ${feed.length} observations/round, ` +
      `median ${results[Math.floor(results.length / 2)]?.toFixed(3)} µs/observation ` +
      `(rounds: ${results.map((r) => r.toFixed(3)).join(', ')}); state ${stateBytes} bytes as JSON`,
  );
}

function timeTeamSport(): void {
  const players = Array.from({ length: 22 }, (_, k) => simulatePlayer(200 + k, 120));
  const feed = interleave(players.map((p) => p.observations));
  const results: number[] = [];
  let stateBytes = 0;
  for (let round = 0; round < rounds; round++) {
    const states: TeamSportState[] = players.map(() => initialTeamSportState());
    const started = process.hrtime.bigint();
    for (const { athlete, item } of feed) {
      const state = states[athlete];
      if (state !== undefined) stepTeamSport(state, item);
    }
    const ns = Number(process.hrtime.bigint() - started);
    results.push(ns / 1000 / feed.length);
    stateBytes = JSON.stringify(states[0]).length;
  }
  results.sort((a, b) => a - b);
  console.log(
    `stepTeamSport: ${feed.length} observations/round, median ${results[Math.floor(results.length / 2)]?.toFixed(3)} µs/observation ` +
      `(rounds: ${results.map((r) => r.toFixed(3)).join(', ')}); state ${stateBytes} bytes as JSON`,
  );
}

function timeJsonRoundTrip(): void {
  const race = simulateRace(7, 100, { fps: 50 });
  let state = initialSprintState();
  for (const o of race.observations.slice(0, 300))
    state = stepSprint(state, o, { startSignalMs: race.gunMs, distanceM: 100 }).state;
  const n = 20_000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) JSON.parse(JSON.stringify(state));
  console.log(
    `sprint state JSON round trip: ${(Number(process.hrtime.bigint() - started) / 1000 / n).toFixed(2)} µs`,
  );
}

timeSprint(false);
timeSprint(true);
timeTeamSport();
timeJsonRoundTrip();
