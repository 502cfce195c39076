/**
 * Runs `stadion up` as its own process, exactly as a user would, on a temporary data directory with
 * ephemeral ports, and hands the endpoints it printed to the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from './wait.ts';

export const STADION_BIN = resolve(import.meta.dirname, '../../bin/stadion.js');

export interface StackProcess {
  readonly dataDir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly readyMs: number;
  /** SIGTERM, then wait for the exit; returns the exit code. */
  stop(): Promise<number | null>;
}

export async function makeDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'stadion-test-'));
}

export async function removeDataDir(dataDir: string): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
}

export async function startStackProcess(
  dataDir: string,
  extraArgs: readonly string[] = [],
): Promise<StackProcess> {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      STADION_BIN,
      'up',
      '--data-dir',
      dataDir,
      '--registry-port',
      '0',
      '--clickhouse-port',
      '0',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STADION_LOG_LEVEL: 'warn' } },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => {
      resolveExit(code);
    }),
  );
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  await waitFor(
    () => {
      if (exitCode !== undefined) throw new Error(`stadion up exited with ${exitCode}: ${err}`);
      return out.includes('# ready in') ? true : undefined;
    },
    { timeoutMs: 60_000, what: 'stadion up to print its endpoints' },
  ).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  const env: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const match = /^([A-Z_]+)=(.+)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) env[match[1]] = match[2];
  }
  return {
    dataDir,
    env,
    child,
    stdout: () => out,
    stderr: () => err,
    readyMs: Date.now() - started,
    stop: async () => {
      if (exitCode === undefined) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs a stadion command to completion and returns its exit code and output. */
export async function runStadion(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [STADION_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, STADION_LOG_LEVEL: 'warn', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolveExit) =>
    child.once('exit', (c) => {
      resolveExit(c);
    }),
  );
  return { code, stdout, stderr };
}
