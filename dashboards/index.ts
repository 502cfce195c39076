/**
 * Every dashboard, by the file it renders to under dashboards/json/. `npm run dashboards` writes them;
 * the drift check and the panel query test read this list, so a board added here is checked and its
 * ClickHouse panels are run against simulated data without further wiring.
 */
import { broadcasterScorecardBoard } from './boards/broadcaster-scorecard.ts';
import { engineHealthBoard } from './boards/engine-health.ts';
import { feedQosBoard } from './boards/feed-qos.ts';
import { matchWorkloadBoard } from './boards/match-workload.ts';
import { raceBoard } from './boards/race.ts';
import { trafficBoard } from './boards/traffic.ts';
import type { Dashboard } from './shared/panels.ts';

export interface DashboardDefinition {
  /** File name under dashboards/json/. */
  readonly file: string;
  readonly build: () => Dashboard;
}

export const DASHBOARDS: readonly DashboardDefinition[] = [
  { file: 'race.json', build: raceBoard },
  { file: 'match-workload.json', build: matchWorkloadBoard },
  { file: 'feed-qos.json', build: feedQosBoard },
  { file: 'broadcaster-scorecard.json', build: broadcasterScorecardBoard },
  { file: 'traffic.json', build: trafficBoard },
  { file: 'engine-health.json', build: engineHealthBoard },
];
