import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StadionError } from '../../../engine/errors.ts';
import {
  REGISTRY_STATE_FILE,
  loadRegistryState,
  saveRegistryState,
} from '../../../stack/registry/persistence.ts';
import { emptyRegistryState } from '../../../stack/registry/state.ts';
import { RegistryStore } from '../../../stack/registry/store.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stadion-registry-persistence-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('registry persistence', () => {
  it('starts empty in a missing directory and creates it', async () => {
    const nested = join(dir, 'a', 'b');
    expect(await loadRegistryState(nested)).toEqual(emptyRegistryState());
    expect(await readdir(nested)).toEqual([]);
  });

  it('reads back what it wrote, leaving no temporary file', async () => {
    const store = new RegistryStore();
    store.register('s', { schema: '{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}' });
    store.setSubjectCompatibility('s', 'FULL_TRANSITIVE');
    await saveRegistryState(dir, store.toState());
    await saveRegistryState(dir, store.toState());
    expect(await readdir(dir)).toEqual([REGISTRY_STATE_FILE]);
    expect(await loadRegistryState(dir)).toEqual(store.toState());
  });

  it('ignores a temporary file left by a crash mid-write', async () => {
    await saveRegistryState(dir, { ...emptyRegistryState(), nextId: 5 });
    await writeFile(join(dir, `${REGISTRY_STATE_FILE}.tmp`), '{"torn":');
    expect((await loadRegistryState(dir)).nextId).toBe(5);
    expect(await readdir(dir)).toEqual([REGISTRY_STATE_FILE]);
  });

  it('refuses a damaged file with a StadionError naming it', async () => {
    await writeFile(join(dir, REGISTRY_STATE_FILE), '{"format":1,"nextId":"x"}');
    const error: unknown = await loadRegistryState(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StadionError);
    expect((error as StadionError).code).toBe('SCHEMA');
    expect((error as StadionError).message).toContain(REGISTRY_STATE_FILE);
  });
});
