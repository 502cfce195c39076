/** `npm start` on a machine with nothing configured: the demo starts an embedded stack and runs the round trip. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, removeDataDir, runStadion } from '../support/stack-process.ts';

let dataDir: string;
beforeAll(async () => {
  dataDir = await makeDataDir();
});
afterAll(async () => {
  await removeDataDir(dataDir);
});

describe('stadion roundtrip', () => {
  it('starts an embedded stack when nothing is configured and completes the round trip', async () => {
    const { code, stdout, stderr } = await runStadion(
      ['roundtrip', '--records', '300', '--data-dir', dataDir],
      {
        KAFKA_BROKERS: '',
        SCHEMA_REGISTRY_URL: '',
        CLICKHOUSE_URL: '',
      },
    );
    expect(stderr).not.toContain('"level":"error"');
    expect(code).toBe(0);
    expect(stdout).toContain('(embedded)');
    expect(stdout).toContain('ClickHouse holds 300 rows for the run');
    expect(stdout).toContain('round trip OK');
  });

  it('answers --help on every command', async () => {
    for (const command of ['up', 'sql', 'topics', 'run', 'simulate', 'demo', 'roundtrip']) {
      const { code, stdout } = await runStadion([command, '--help']);
      expect(code).toBe(0);
      expect(stdout).toContain(`stadion ${command}`);
    }
    const unknown = await runStadion(['fly']);
    expect(unknown.code).toBe(2);
  });
});
