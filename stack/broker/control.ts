/**
 * Client of the mock-broker launcher's control port: creates topics and injects faults (brokers down,
 * latency, request errors, leader and coordinator moves). Works from any process that knows the
 * control address (`STADION_BROKER_CONTROL`), not only the one that started the launcher.
 *
 * Commands may be issued concurrently; they are sent in order on one connection and the launcher answers
 * in order. A reply that does not come within `timeoutMs` leaves the connection out of step, so it is
 * closed and every pending command rejected.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { StadionError } from '../../engine/errors.ts';
import {
  LineSplitter,
  formatCommand,
  parseHostPort,
  parseReadyLine,
  parseReply,
  parseTopicCreated,
  parseTopicList,
  type ControlArgument,
  type LauncherReady,
  type MockTopic,
} from './protocol.ts';

export { KAFKA_API_KEYS, KAFKA_ERROR_CODES, type LauncherReady, type MockTopic } from './protocol.ts';

/** Deadline for a reply to one command. @default 30000 (a topic check may wait 5 s on a down cluster) */
export const DEFAULT_CONTROL_TIMEOUT_MS = 30_000;
/** Deadline for opening the connection. @default 5000 */
export const DEFAULT_CONTROL_CONNECT_TIMEOUT_MS = 5_000;

export interface BrokerControlOptions {
  /** Deadline for each reply. @default DEFAULT_CONTROL_TIMEOUT_MS */
  timeoutMs?: number;
  /** Deadline for connecting. @default DEFAULT_CONTROL_CONNECT_TIMEOUT_MS */
  connectTimeoutMs?: number;
}

/** An error code by number or by librdkafka name (`'NOT_LEADER_FOR_PARTITION'`, `'_TRANSPORT'`). */
export type ErrorCodeArgument = number | string;

/** An injected error with an optional response delay. */
export type BrokerErrorArgument = ErrorCodeArgument | { code: ErrorCodeArgument; rttMs: number };

/** Which coordinator `setCoordinator` moves. */
export type CoordinatorType = 'group' | 'transaction';

interface PendingCommand {
  readonly command: string;
  readonly resolve: (payload: unknown) => void;
  readonly reject: (error: StadionError) => void;
  readonly timer: NodeJS.Timeout;
}

export class BrokerControl {
  /** `host:port` this client talks to. */
  readonly address: string;
  readonly #socket: Socket;
  readonly #timeoutMs: number;
  readonly #pending: PendingCommand[] = [];
  readonly #lines = new LineSplitter();
  #closedReason: string | undefined;

  private constructor(address: string, socket: Socket, timeoutMs: number) {
    this.address = address;
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.unref(); // an idle control connection does not keep the process alive
    socket.on('data', (chunk: string) => {
      for (const line of this.#lines.push(chunk)) this.#onLine(line);
    });
    socket.on('error', (error: Error) => {
      this.#fail(`control connection to ${address} failed: ${error.message}`);
    });
    socket.on('close', () => {
      this.#fail(`control connection to ${address} closed`);
    });
  }

  /** Connects to a launcher's control port (`127.0.0.1:<port>`). */
  static async connect(address: string, options: BrokerControlOptions = {}): Promise<BrokerControl> {
    const { host, port } = parseHostPort(address);
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONTROL_CONNECT_TIMEOUT_MS;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const attempt = netConnect({ host, port });
      const timer = setTimeout(() => {
        attempt.destroy();
        reject(
          new StadionError(
            'BROKER_CONTROL',
            `no answer from the mock broker's control port ${address} within ${connectTimeoutMs} ms`,
          ),
        );
      }, connectTimeoutMs);
      attempt.once('connect', () => {
        clearTimeout(timer);
        attempt.removeAllListeners('error');
        resolve(attempt);
      });
      attempt.once('error', (error: Error) => {
        clearTimeout(timer);
        reject(
          new StadionError(
            'BROKER_CONTROL',
            `cannot reach the mock broker's control port ${address} (is the local stack running?): ${error.message}`,
            { cause: error },
          ),
        );
      });
    });
    return new BrokerControl(address, socket, options.timeoutMs ?? DEFAULT_CONTROL_TIMEOUT_MS);
  }

  /**
   * Sends one raw command and resolves with the reply's JSON payload (`undefined` for a bare `ok`).
   * Rejects with StadionError('BROKER_CONTROL') on `err`, a closed connection or a timeout.
   */
  async send(command: string, args: readonly ControlArgument[] = []): Promise<unknown> {
    const line = formatCommand(command, args);
    if (this.#closedReason !== undefined) {
      throw new StadionError('BROKER_CONTROL', `${command}: ${this.#closedReason}`);
    }
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#fail(`no reply to ${command} within ${this.#timeoutMs} ms`);
        this.#socket.destroy();
      }, this.#timeoutMs);
      this.#pending.push({ command, resolve, reject, timer });
      this.#socket.ref();
      this.#socket.write(line);
    });
  }

  /** Resolves when the launcher answers. */
  async ping(): Promise<void> {
    await this.send('ping');
  }

  /** The launcher's addresses, broker ids and build (the same as its ready line). */
  async info(): Promise<LauncherReady> {
    const payload = await this.send('info');
    return parseReadyLine(JSON.stringify(payload));
  }

  /**
   * Creates a topic. Idempotent: an existing topic with the same partition count is accepted
   * (`created: false`), a different count is refused. The mock always places min(3, brokers) replicas
   * whatever `replicationFactor` says (it is only checked against the broker count).
   */
  async createTopic(
    name: string,
    partitions: number,
    replicationFactor?: number,
  ): Promise<MockTopic & { created: boolean }> {
    const args: ControlArgument[] = [name, partitions];
    if (replicationFactor !== undefined) args.push(replicationFactor);
    return parseTopicCreated(await this.send('create_topic', args));
  }

  /** Topics created or confirmed through the launcher (not those a client auto-created unseen). */
  async listTopics(): Promise<MockTopic[]> {
    return parseTopicList(await this.send('topics'));
  }

  /** Disconnects a broker (-1: all) and refuses connections to it. Leadership does not move. */
  async brokerDown(brokerId: number): Promise<void> {
    await this.send('broker_down', [brokerId]);
  }

  /** Lets a broker (-1: all) accept connections again. */
  async brokerUp(brokerId: number): Promise<void> {
    await this.send('broker_up', [brokerId]);
  }

  /** Delays every response of a broker (-1: all) by `rttMs`; 0 removes the delay. */
  async setRtt(brokerId: number, rttMs: number): Promise<void> {
    await this.send('broker_rtt', [brokerId, rttMs]);
  }

  /** The next requests of type `apiKey`, on any broker, fail with these codes, one each, in order. */
  async pushRequestErrors(apiKey: number, errorCodes: readonly ErrorCodeArgument[]): Promise<void> {
    if (errorCodes.length === 0)
      throw new StadionError('BROKER_CONTROL', 'pushRequestErrors needs error codes');
    await this.send('push_errors', [apiKey, ...errorCodes]);
  }

  /** Like `pushRequestErrors` but on one broker, each error optionally delayed; these win over cluster errors. */
  async pushBrokerRequestErrors(
    brokerId: number,
    apiKey: number,
    errors: readonly BrokerErrorArgument[],
  ): Promise<void> {
    if (errors.length === 0) throw new StadionError('BROKER_CONTROL', 'pushBrokerRequestErrors needs errors');
    const words = errors.map((error) =>
      typeof error === 'object' ? `${String(error.code)}:${formatInteger(error.rttMs, 'rttMs')}` : error,
    );
    await this.send('push_broker_errors', [brokerId, apiKey, ...words]);
  }

  /** Drops the cluster-wide errors still queued for `apiKey`. */
  async clearRequestErrors(apiKey: number): Promise<void> {
    await this.send('clear_errors', [apiKey]);
  }

  /** Moves a partition's leadership (-1: no leader). The topic must exist. */
  async setPartitionLeader(topic: string, partition: number, brokerId: number): Promise<void> {
    await this.send('partition_leader', [topic, partition, brokerId]);
  }

  /** Sets a partition's preferred read replica (follower fetching). The topic must exist. */
  async setPartitionFollower(topic: string, partition: number, brokerId: number): Promise<void> {
    await this.send('partition_follower', [topic, partition, brokerId]);
  }

  /** Pins the coordinator of a consumer group or transactional id to a broker. */
  async setCoordinator(type: CoordinatorType, key: string, brokerId: number): Promise<void> {
    await this.send('coordinator', [type, key, brokerId]);
  }

  /** Makes Metadata requests report `errorCode` for a topic (0 clears it). */
  async setTopicError(topic: string, errorCode: ErrorCodeArgument): Promise<void> {
    await this.send('topic_error', [topic, errorCode]);
  }

  /** Limits the versions the brokers offer for an API (-1, -1: disables it). */
  async setApiVersion(apiKey: number, minVersion: number, maxVersion: number): Promise<void> {
    await this.send('api_version', [apiKey, minVersion, maxVersion]);
  }

  /** Asks the launcher to exit (cleanly) and closes this connection. */
  async shutdown(): Promise<void> {
    try {
      await this.send('shutdown');
    } finally {
      this.close();
    }
  }

  /** Closes the connection; commands still waiting are rejected. Safe to call twice. */
  close(): void {
    this.#fail('control connection closed by the client');
    this.#socket.end();
    this.#socket.unref();
  }

  #onLine(line: string): void {
    const pending = this.#pending.shift();
    if (pending === undefined) {
      this.#fail(`unexpected line from the launcher: ${line}`);
      this.#socket.destroy();
      return;
    }
    clearTimeout(pending.timer);
    if (this.#pending.length === 0) this.#socket.unref();
    let reply;
    try {
      reply = parseReply(line);
    } catch (error) {
      pending.reject(
        error instanceof StadionError
          ? error
          : new StadionError('BROKER_CONTROL', String(error), { cause: error }),
      );
      return;
    }
    if (reply.ok) pending.resolve(reply.payload);
    else pending.reject(new StadionError('BROKER_CONTROL', `${pending.command}: ${reply.message}`));
  }

  #fail(reason: string): void {
    this.#closedReason ??= reason;
    for (const pending of this.#pending.splice(0)) {
      clearTimeout(pending.timer);
      pending.reject(new StadionError('BROKER_CONTROL', `${pending.command}: ${reason}`));
    }
  }
}

function formatInteger(value: number, name: string): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StadionError('BROKER_CONTROL', `${name} must be a non-negative integer, got ${value}`);
  }
  return String(value);
}
