/**
 * Live race standings, keyed by session: the latest distance of every athlete, so each live update
 * carries the athlete's place and gap to the leader. Team sports get no place or gap.
 */
import type { ProcessorSpec } from '../../engine/topology/graph.ts';
import type { LiveAthleteStats } from '../../schemas/generated.ts';
import type { AthleteOutput } from './athlete-processor.ts';

export type LiveUpdate = Extract<AthleteOutput, { kind: 'live' }>;

export interface StandingsState {
  /** Latest distance per athlete, metres. */
  distances: Record<string, number>;
}

export const standingsProcessor: ProcessorSpec<StandingsState, LiveUpdate, LiveAthleteStats> = {
  init: () => ({ distances: {} }),
  process: (state, record, emit) => {
    const update = record.value;
    state.distances[update.athleteId] = update.distanceM;
    let positionInRace: number | null = null;
    let gapToLeaderM: number | null = null;
    if (update.race) {
      const distances = Object.values(state.distances);
      const leader = Math.max(...distances);
      positionInRace = 1 + distances.filter((d) => d > update.distanceM).length;
      gapToLeaderM = Math.max(0, leader - update.distanceM);
    }
    emit(
      {
        sessionId: update.sessionId,
        athleteId: update.athleteId,
        eventTimeMs: update.eventTimeMs,
        elapsedS: update.elapsedS,
        speedMps: update.speedMps,
        accelerationMps2: update.accelerationMps2,
        topSpeedMps: update.topSpeedMps,
        distanceM: update.distanceM,
        positionInRace,
        gapToLeaderM,
      },
      { key: `${update.sessionId}/${update.athleteId}` },
    );
    return state;
  },
};
