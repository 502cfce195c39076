/**
 * The registry's state on disk: one JSON file in the data directory, replaced atomically on every change
 * (write a temporary file, fsync it, rename it over the old one, fsync the directory), so a crash leaves
 * either the old state or the new one, never a torn file. Registry writes are rare (schema registrations
 * and config changes), so rewriting the whole file is cheap.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StadionError } from '../../engine/errors.ts';
import { decodeRegistryState, emptyRegistryState, type RegistryState } from './state.ts';

/** The state file inside the registry's data directory. */
export const REGISTRY_STATE_FILE = 'registry.json';

const TEMPORARY_SUFFIX = '.tmp';

/** Reads the state from `dataDir` (created if missing); an absent file is an empty registry. */
export async function loadRegistryState(dataDir: string): Promise<RegistryState> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, REGISTRY_STATE_FILE);
  await rm(`${path}${TEMPORARY_SUFFIX}`, { force: true }); // left by a crash mid-write: never renamed, not state
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyRegistryState();
    throw new StadionError('SCHEMA', `cannot read the Schema Registry state ${path}`, { cause: error });
  }
  try {
    return decodeRegistryState(JSON.parse(text));
  } catch (error) {
    throw new StadionError(
      'SCHEMA',
      `the Schema Registry state ${path} is damaged (${(error as Error).message}); move it away to start an empty registry`,
      { cause: error },
    );
  }
}

/** Replaces the state in `dataDir` atomically and durably. */
export async function saveRegistryState(dataDir: string, state: RegistryState): Promise<void> {
  const path = join(dataDir, REGISTRY_STATE_FILE);
  const temporary = `${path}${TEMPORARY_SUFFIX}`;
  const file = await open(temporary, 'w');
  try {
    await file.writeFile(`${JSON.stringify(state, null, 1)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  const directory = await open(dataDir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
