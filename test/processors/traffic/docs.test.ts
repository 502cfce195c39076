/** The JSON-lines examples in docs/traffic.md are valid records of their schemas. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  trafficReadingSchema,
  trafficScenarioSchema,
  trafficSegmentSchema,
} from '../../../schemas/generated.ts';

describe('docs/traffic.md ingest examples', () => {
  it('are a valid segment, plan and reading', () => {
    const text = readFileSync(resolve(import.meta.dirname, '../../../docs/traffic.md'), 'utf8');
    const blocks = [...text.matchAll(/```json\n(.*)\n```/g)].map((m) => JSON.parse(m[1] ?? '') as unknown);
    expect(blocks).toHaveLength(3);
    [trafficSegmentSchema, trafficScenarioSchema, trafficReadingSchema].forEach((schema, i) => {
      expect(avsc.Type.forSchema(schema).isValid(blocks[i]), schema.name).toBe(true);
    });
  });
});
