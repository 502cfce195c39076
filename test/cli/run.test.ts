import { describe, expect, it } from 'vitest';
import { runCommand } from '../../cli/commands/run.ts';

describe('stadion run', () => {
  it('refuses one --group for several topologies (they would share a group and changelogs)', async () => {
    await expect(runCommand(['telemetry', 'traffic', '--group', 'g'])).rejects.toThrow(
      /--group names the group of one topology/,
    );
  });

  it('refuses --group with --group-prefix, and a prefix a group id should not hold', async () => {
    await expect(runCommand(['telemetry', '--group', 'g', '--group-prefix', 'p'])).rejects.toThrow(
      /--group or --group-prefix, not both/,
    );
    await expect(runCommand(['telemetry', '--group-prefix', 'a b'])).rejects.toThrow(/--group-prefix takes/);
  });

  it('refuses --group for a topology whose watermark comes from another topology’s group', async () => {
    await expect(runCommand(['telemetry-incidents', '--group', 'g'])).rejects.toThrow(
      /takes its watermark from telemetry: name the groups with --group-prefix/,
    );
  });

  it('refuses an unknown topology before touching any service', async () => {
    await expect(runCommand(['no-such-topology'])).rejects.toThrow(/unknown topology "no-such-topology"/);
  });
});
