/**
 * Starts the native mock-broker launcher (native/mock-broker/): librdkafka's mock Kafka cluster on
 * loopback in a process of its own, with a control port for topics and fault injection.
 *
 * The launcher is started with `--exit-on-stdin-eof` and a stdin pipe, so it also dies with this process
 * when that is killed without a chance to stop it.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { StadionError } from '../../engine/errors.ts';
import { silentLogger, type Logger } from '../../engine/log.ts';
import { BrokerControl } from './control.ts';
import { LineSplitter, parseReadyLine, type LauncherReady } from './protocol.ts';

/** Where native/mock-broker/build.sh puts the launcher. */
export const DEFAULT_LAUNCHER_PATH = resolve(
  import.meta.dirname,
  '../../native/mock-broker/build/stadion-mock-broker',
);
/** Number of brokers. @default 3 */
export const DEFAULT_MOCK_BROKERS = 3;
/** Control port; 0 picks a free one. @default 0 */
export const DEFAULT_CONTROL_PORT = 0;
/** How long the launcher may take to print its ready line. @default 30000 */
export const DEFAULT_LAUNCHER_START_TIMEOUT_MS = 30_000;
/** How long `stop()` waits after SIGTERM before SIGKILL. @default 10000 */
export const DEFAULT_LAUNCHER_STOP_TIMEOUT_MS = 10_000;

/** The stock mock's retention, which it enforces by silently dropping the oldest batches. */
export const STOCK_PARTITION_LIMITS = '5 MiB or 100,000 batches per partition';

export interface MockBrokerOptions {
  /** Number of brokers, ids 1..N. @default DEFAULT_MOCK_BROKERS */
  brokers?: number;
  /** Topics created before the launcher reports ready. @default [] */
  topics?: ReadonlyArray<{ name: string; partitions: number }>;
  /** Control port on 127.0.0.1; 0 picks a free port. @default DEFAULT_CONTROL_PORT */
  controlPort?: number;
  /** The launcher executable. @default launcherBinaryPath() */
  binaryPath?: string;
  /**
   * Per-partition log limits of the patched mock; beyond them the oldest batches are dropped (and
   * consumers behind them report DATA_LOSS). Ignored by the stock mock. @default 4 GiB and 100,000,000
   */
  partitionMaxBytes?: number;
  /** See `partitionMaxBytes`. @default 100000000 */
  partitionMaxBatches?: number;
  /** @default DEFAULT_LAUNCHER_START_TIMEOUT_MS */
  startTimeoutMs?: number;
  /** @default DEFAULT_LAUNCHER_STOP_TIMEOUT_MS */
  stopTimeoutMs?: number;
  /** Receives the launcher's diagnostics (debug) and the stock-build warning. @default silentLogger */
  logger?: Logger;
}

export interface MockBroker {
  /** `127.0.0.1:p1,127.0.0.1:p2,...`, for KAFKA_BROKERS. */
  readonly bootstrap: string;
  /** `127.0.0.1:port` of the control interface, for STADION_BROKER_CONTROL. */
  readonly controlAddress: string;
  /** Broker ids, 1..N. */
  readonly brokerIds: readonly number[];
  /** Whether the mock carries Stadion's patch; false means partitions silently drop old data. */
  readonly patched: boolean;
  /** librdkafka version of the mock. */
  readonly librdkafkaVersion: string;
  readonly pid: number;
  /** A control connection owned by this handle (closed by `stop`). */
  readonly control: BrokerControl;
  /** SIGTERM, then waits for the exit (SIGKILL after `stopTimeoutMs`). Safe to call twice. */
  stop(): Promise<void>;
}

/** The built launcher's path; throws BROKER_LAUNCHER with what to run if it is not built. */
export function launcherBinaryPath(): string {
  if (!existsSync(DEFAULT_LAUNCHER_PATH)) {
    throw new StadionError(
      'BROKER_LAUNCHER',
      `the mock broker launcher is not built (${DEFAULT_LAUNCHER_PATH} is missing): run "npm run setup" ` +
        '(or "npm run build:native" if the system packages are already installed)',
    );
  }
  return DEFAULT_LAUNCHER_PATH;
}

/** The launcher's command-line arguments for these options. Pure. */
export function launcherArguments(options: MockBrokerOptions): string[] {
  const brokers = options.brokers ?? DEFAULT_MOCK_BROKERS;
  const controlPort = options.controlPort ?? DEFAULT_CONTROL_PORT;
  if (!Number.isSafeInteger(brokers) || brokers < 1 || brokers > 64) {
    throw new StadionError('CONFIG_INVALID', `mock broker count must be 1..64, got ${brokers}`);
  }
  if (!Number.isSafeInteger(controlPort) || controlPort < 0 || controlPort > 65_535) {
    throw new StadionError('CONFIG_INVALID', `control port must be 0..65535, got ${controlPort}`);
  }
  const args = ['--brokers', String(brokers), '--control-port', String(controlPort), '--exit-on-stdin-eof'];
  for (const topic of options.topics ?? []) {
    if (!/^[a-zA-Z0-9._-]{1,249}$/.test(topic.name) || topic.name === '.' || topic.name === '..') {
      throw new StadionError('CONFIG_INVALID', `invalid topic name ${JSON.stringify(topic.name)}`);
    }
    if (!Number.isSafeInteger(topic.partitions) || topic.partitions < 1) {
      throw new StadionError('CONFIG_INVALID', `topic ${topic.name} needs a positive partition count`);
    }
    args.push('--topic', `${topic.name}:${topic.partitions}`);
  }
  for (const [flag, value] of [
    ['--partition-max-bytes', options.partitionMaxBytes],
    ['--partition-max-batches', options.partitionMaxBatches],
  ] as const) {
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new StadionError('CONFIG_INVALID', `${flag} must be a positive integer, got ${value}`);
    }
    args.push(flag, String(value));
  }
  return args;
}

type LauncherProcess = ChildProcessByStdio<Writable, Readable, Readable>;

export async function startMockBroker(options: MockBrokerOptions = {}): Promise<MockBroker> {
  const logger = options.logger ?? silentLogger;
  const args = launcherArguments(options);
  const binaryPath = options.binaryPath ?? launcherBinaryPath();
  if (!existsSync(binaryPath)) {
    throw new StadionError('BROKER_LAUNCHER', `mock broker launcher not found at ${binaryPath}`);
  }

  const child: LauncherProcess = spawn(binaryPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderrTail: string[] = [];
  const stderrLines = new LineSplitter();
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    for (const line of stderrLines.push(chunk)) {
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
      logger.debug(line.replace(/^mock-broker: /, ''), { source: 'launcher' });
    }
  });
  // The stdin pipe stays open for the launcher's lifetime; its end tells the launcher to exit.
  child.stdin.on('error', () => undefined);

  let exitCode: number | null | undefined;
  let exitSignal: NodeJS.Signals | null = null;
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exitCode = code;
      exitSignal = signal;
      resolveExit();
    });
    child.on('error', (error: Error) => {
      // Spawning failed (no 'exit' will follow), or a kill failed on a live process.
      if (child.pid === undefined) {
        exitCode = null;
        resolveExit();
      } else {
        logger.warn('signalling the mock broker failed', { error });
      }
    });
  });

  let ready: LauncherReady;
  try {
    ready = await readReadyLine(child, options.startTimeoutMs ?? DEFAULT_LAUNCHER_START_TIMEOUT_MS, () =>
      stderrTail.join('\n'),
    );
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }

  let control: BrokerControl;
  try {
    control = await BrokerControl.connect(ready.control);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw new StadionError(
      'BROKER_LAUNCHER',
      'the mock broker started but its control port does not answer',
      {
        cause: error,
      },
    );
  }

  const pid = child.pid ?? -1;
  let stopping: Promise<void> | undefined;
  void exited.then(() => {
    if (stopping === undefined) {
      logger.error('the mock broker exited unexpectedly', {
        pid,
        exitCode,
        signal: exitSignal,
        stderr: stderrTail.join('\n'),
      });
    }
  });

  logger.info('mock broker ready', {
    pid,
    bootstrap: ready.bootstrap,
    control: ready.control,
    brokers: ready.brokers.length,
    librdkafka: ready.librdkafka,
    patched: ready.patched,
  });
  if (!ready.patched) {
    logger.warn(
      `MOCK BROKER NOT PATCHED: it keeps only ${STOCK_PARTITION_LIMITS} and SILENTLY drops older data; ` +
        'consumers that fall behind lose records (reported as DATA_LOSS), and the kafkajs admin client and ' +
        'idempotent producer fail ("Broker 0 not found"). Run "npm run setup" with access to Debian ' +
        'sources to build the patched launcher.',
      { code: 'DATA_LOSS', librdkafka: ready.librdkafka },
    );
  }

  const stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_LAUNCHER_STOP_TIMEOUT_MS;
  return {
    bootstrap: ready.bootstrap,
    controlAddress: ready.control,
    brokerIds: ready.brokers,
    patched: ready.patched,
    librdkafkaVersion: ready.librdkafka,
    pid,
    control,
    stop: () => {
      stopping ??= (async () => {
        control.close();
        if (exitCode === undefined) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => {
            logger.warn('the mock broker did not stop on SIGTERM; killing it', { pid, stopTimeoutMs });
            child.kill('SIGKILL');
          }, stopTimeoutMs);
          await exited;
          clearTimeout(timer);
        }
        child.stdin.destroy();
        logger.debug('mock broker stopped', { pid, exitCode, signal: exitSignal });
      })();
      return stopping;
    },
  };
}

/** Waits for the first stdout line and parses it; fails if the launcher exits or is too slow. */
async function readReadyLine(
  child: LauncherProcess,
  timeoutMs: number,
  stderr: () => string,
): Promise<LauncherReady> {
  const lines = new LineSplitter();
  child.stdout.setEncoding('utf8');
  return new Promise<LauncherReady>((resolveReady, rejectReady) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout.removeListener('data', onData);
      child.removeListener('exit', onExit);
      child.removeListener('error', onError);
      child.stdout.resume(); // nothing else is printed, but never let the pipe fill
    };
    const onData = (chunk: string): void => {
      const [line] = lines.push(chunk);
      if (line === undefined) return;
      cleanup();
      try {
        resolveReady(parseReadyLine(line));
      } catch (error) {
        rejectReady(error instanceof Error ? error : new StadionError('BROKER_LAUNCHER', String(error)));
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      rejectReady(
        new StadionError(
          'BROKER_LAUNCHER',
          `the mock broker launcher exited before it was ready (code ${String(code)}, signal ${String(signal)}): ${stderr()}`,
        ),
      );
    };
    const onError = (error: Error): void => {
      cleanup();
      rejectReady(
        new StadionError('BROKER_LAUNCHER', `cannot run the mock broker launcher: ${error.message}`, {
          cause: error,
        }),
      );
    };
    const timer = setTimeout(() => {
      cleanup();
      rejectReady(
        new StadionError(
          'BROKER_LAUNCHER',
          `the mock broker launcher did not report ready within ${timeoutMs} ms: ${stderr()}`,
        ),
      );
    }, timeoutMs);
    child.stdout.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
