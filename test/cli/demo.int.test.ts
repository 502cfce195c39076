/** `npm start` (`stadion demo`) on a machine with nothing configured: an embedded stack, a 100 m final and a match. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, removeDataDir, runStadion } from '../support/stack-process.ts';

let dataDir: string;
beforeAll(async () => {
  dataDir = await makeDataDir();
});
afterAll(async () => {
  await removeDataDir(dataDir);
});

describe('stadion demo', () => {
  it('runs a simulated final and match through the tracking pipeline and prints the result', async () => {
    const { code, stdout, stderr } = await runStadion(['demo', '--seed', '3', '--data-dir', dataDir], {
      KAFKA_BROKERS: '',
      SCHEMA_REGISTRY_URL: '',
      CLICKHOUSE_URL: '',
    });
    expect(stderr).not.toContain('"level":"error"');
    expect(code).toBe(0);
    expect(stdout).toContain('(embedded)');
    expect(stdout).toContain('100 m final: result');
    const places = stdout.split('\n').filter((line) => /^\d\s+Athlete \d \(lane \d\)\s+\d+\.\d+/.test(line));
    expect(places).toHaveLength(8);
    expect(stdout).toMatch(/10 m splits, seconds from the gun\nathlete\s+10 m\s+20 m/);
    expect(stdout).toContain('Match, first minute');
    expect(stdout).toContain('npx stadion sql');
  });
});
