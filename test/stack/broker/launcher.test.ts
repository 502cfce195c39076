import { describe, expect, it } from 'vitest';
import { StadionError } from '../../../engine/errors.ts';
import { DEFAULT_LAUNCHER_PATH, launcherArguments } from '../../../stack/broker/launcher.ts';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof StadionError ? error.code : 'not a StadionError';
  }
  return undefined;
}

describe('launcherArguments', () => {
  it('passes defaults, topics and limits as the launcher expects them', () => {
    expect(launcherArguments({})).toEqual(['--brokers', '3', '--control-port', '0', '--exit-on-stdin-eof']);
    expect(
      launcherArguments({
        brokers: 1,
        controlPort: 39121,
        topics: [
          { name: 'a.b-c_d', partitions: 6 },
          { name: 'x', partitions: 1 },
        ],
        partitionMaxBytes: 1_048_576,
        partitionMaxBatches: 10,
      }),
    ).toEqual([
      '--brokers',
      '1',
      '--control-port',
      '39121',
      '--exit-on-stdin-eof',
      '--topic',
      'a.b-c_d:6',
      '--topic',
      'x:1',
      '--partition-max-bytes',
      '1048576',
      '--partition-max-batches',
      '10',
    ]);
  });

  it('refuses options the launcher would refuse, before starting it', () => {
    expect(codeOf(() => launcherArguments({ brokers: 0 }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => launcherArguments({ brokers: 65 }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => launcherArguments({ controlPort: 70_000 }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => launcherArguments({ topics: [{ name: 'a:b', partitions: 1 }] }))).toBe(
      'CONFIG_INVALID',
    );
    expect(codeOf(() => launcherArguments({ topics: [{ name: '..', partitions: 1 }] }))).toBe(
      'CONFIG_INVALID',
    );
    expect(codeOf(() => launcherArguments({ topics: [{ name: 'a', partitions: 0 }] }))).toBe(
      'CONFIG_INVALID',
    );
    expect(codeOf(() => launcherArguments({ partitionMaxBytes: 0 }))).toBe('CONFIG_INVALID');
  });

  it('points at the build output of native/mock-broker/build.sh', () => {
    expect(DEFAULT_LAUNCHER_PATH.endsWith('/native/mock-broker/build/stadion-mock-broker')).toBe(true);
  });
});
