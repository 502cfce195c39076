/** Event-time windows: tumbling, hopping (time-windows.ts) and session windows (session-windows.ts). */
export { TimeWindows, type FixedWindows, type TimeWindow, type TumblingWindows } from './time-windows.ts';
export {
  SessionWindows,
  mergeSession,
  sessionWindowFor,
  type SessionWindow,
  type SessionWindowsSpec,
} from './session-windows.ts';
