/**
 * Schema compatibility by Avro schema resolution (avsc's `createResolver`, which throws when a reader
 * cannot read what a writer wrote):
 * - BACKWARD: the new schema (reader) reads data written with the latest version (writer);
 * - FORWARD: the latest version (reader) reads data written with the new schema;
 * - FULL: both; the *_TRANSITIVE levels check against every live version, not only the latest;
 * - NONE: no check.
 * Pure: no I/O, no state.
 */
import type avsc from 'avsc';

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;

export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

/** The level a registry uses when neither the subject nor the global config says otherwise. */
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

/** A level from user input, case-insensitive (Confluent accepts "backward" as well as "BACKWARD"). */
export function parseCompatibilityLevel(value: unknown): CompatibilityLevel | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.toUpperCase();
  return COMPATIBILITY_LEVELS.find((level) => level === upper);
}

/** A previously registered version the candidate is checked against. */
export interface PreviousVersion {
  readonly version: number;
  readonly type: avsc.Type;
}

export interface CompatibilityResult {
  readonly compatible: boolean;
  /** One line per failed check; empty when compatible. */
  readonly messages: readonly string[];
}

/**
 * Checks `candidate` against `previous` (ordered oldest first) under `level`. Non-transitive levels look
 * at the last element only; transitive ones at all of them.
 */
export function checkCompatibility(
  candidate: avsc.Type,
  previous: readonly PreviousVersion[],
  level: CompatibilityLevel,
): CompatibilityResult {
  if (level === 'NONE' || previous.length === 0) return { compatible: true, messages: [] };
  const transitive = level.endsWith('_TRANSITIVE');
  const targets = transitive ? previous : previous.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const messages: string[] = [];
  for (const target of targets) {
    if (backward) {
      const reason = resolutionFailure(candidate, target.type);
      if (reason !== undefined) {
        messages.push(
          `version ${target.version}: the new schema cannot read data written with it (${reason})`,
        );
      }
    }
    if (forward) {
      const reason = resolutionFailure(target.type, candidate);
      if (reason !== undefined) {
        messages.push(
          `version ${target.version}: it cannot read data written with the new schema (${reason})`,
        );
      }
    }
  }
  return { compatible: messages.length === 0, messages };
}

/** Why `reader` cannot read data written with `writer`, or undefined when it can. */
export function resolutionFailure(reader: avsc.Type, writer: avsc.Type): string | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
