/**
 * Replaying recorded tracking data: JSON lines, one frame per line in the tracking-frame shape (and
 * sessions in the session shape, from their own file). Each line is checked against the Avro schema;
 * valid lines are produced in file order, invalid ones reported with their line numbers and sent to a
 * dead-letter topic with the reason.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import avsc from 'avsc';
import type { AvroSchemaDefinition } from '../../engine/topology/codecs.ts';

export interface LineProblem {
  readonly line: number;
  readonly reason: string;
  readonly text: string;
}

/** Checks one JSON line against a schema: the value, or why not. */
export function checkLine(
  type: avsc.Type,
  text: string,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const problems: string[] = [];
  type.isValid(value, {
    errorHook: (path: string[], found: unknown) => {
      problems.push(
        `${path.length === 0 ? '(root)' : path.join('.')} = ${found === undefined ? 'missing' : JSON.stringify(found)}`,
      );
    },
  });
  return problems.length === 0
    ? { ok: true, value }
    : { ok: false, reason: `does not match the schema: ${problems.slice(0, 5).join('; ')}` };
}

/** Reads a JSON-lines file, calling `onValid` for each valid line in order and `onInvalid` for the rest. */
export async function readJsonLines(
  path: string,
  schema: AvroSchemaDefinition,
  onValid: (value: unknown, line: number) => Promise<void> | void,
  onInvalid: (problem: LineProblem) => Promise<void> | void,
): Promise<{ valid: number; invalid: number }> {
  const type = avsc.Type.forSchema(schema);
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let line = 0;
  let valid = 0;
  let invalid = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === '') continue;
    const checked = checkLine(type, text);
    if (checked.ok) {
      valid += 1;
      await onValid(checked.value, line);
    } else {
      invalid += 1;
      await onInvalid({ line, reason: checked.reason, text });
    }
  }
  return { valid, invalid };
}
