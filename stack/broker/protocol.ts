/**
 * The mock-broker launcher's wire formats, as pure functions: the JSON line it prints on stdout once
 * ready, and its control protocol (one command per line, one reply per command: `ok[ <json>]` or
 * `err <message>`). See native/mock-broker/README.md.
 */
import { StadionError } from '../../engine/errors.ts';

/** What the launcher prints on stdout once its brokers and control port listen. */
export interface LauncherReady {
  /** Kafka bootstrap list, e.g. `127.0.0.1:40001,127.0.0.1:40002,127.0.0.1:40003`. */
  bootstrap: string;
  /** Control address, `127.0.0.1:<port>`. */
  control: string;
  /** Broker ids, 1..N. */
  brokers: number[];
  /** librdkafka version of the mock, e.g. `2.0.2`. */
  librdkafka: string;
  /** Whether the mock carries Stadion's patch (real controller, no silent data loss). */
  patched: boolean;
}

/** A topic as the launcher reports it. */
export interface MockTopic {
  name: string;
  partitions: number;
}

/** A reply line, parsed: `ok` with an optional JSON payload, or `err` with a message. */
export type ControlReply = { ok: true; payload: unknown } | { ok: false; message: string };

/** A command argument: a number, or a word with no whitespace. */
export type ControlArgument = string | number;

/** Kafka protocol API keys, for `pushRequestErrors` and friends. */
export const KAFKA_API_KEYS = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  ApiVersions: 18,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
} as const;

/**
 * A few error codes for fault injection. Kafka's codes are positive; `TRANSPORT` is librdkafka's
 * internal code that makes the mock broker drop the client's connection instead of answering. The
 * launcher also accepts any librdkafka error name (e.g. `'NOT_LEADER_FOR_PARTITION'`).
 */
export const KAFKA_ERROR_CODES = {
  TRANSPORT: -195,
  OFFSET_OUT_OF_RANGE: 1,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_FOR_PARTITION: 6,
  REQUEST_TIMED_OUT: 7,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  NOT_ENOUGH_REPLICAS: 19,
  REBALANCE_IN_PROGRESS: 27,
} as const;

/** Largest command line the launcher accepts, newline included. */
export const MAX_CONTROL_LINE_BYTES = 65_536;

/**
 * Formats one command line (with its trailing newline). Rejects arguments the line protocol cannot
 * carry: empty strings, whitespace or control characters, non-integer numbers.
 */
export function formatCommand(command: string, args: readonly ControlArgument[] = []): string {
  const words = [command, ...args].map((arg, index) => {
    if (typeof arg === 'number') {
      if (!Number.isSafeInteger(arg)) {
        throw new StadionError(
          'BROKER_CONTROL',
          `argument ${index} of ${command} must be an integer: ${arg}`,
        );
      }
      return String(arg);
    }
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    if (arg.length === 0 || /[\s\u0000-\u001f\u007f]/.test(arg)) {
      throw new StadionError(
        'BROKER_CONTROL',
        `argument ${index} of ${command} must be a non-empty word without whitespace: ${JSON.stringify(arg)}`,
      );
    }
    return arg;
  });
  const line = `${words.join(' ')}\n`;
  if (Buffer.byteLength(line) > MAX_CONTROL_LINE_BYTES) {
    throw new StadionError(
      'BROKER_CONTROL',
      `command ${command} is longer than ${MAX_CONTROL_LINE_BYTES} bytes`,
    );
  }
  return line;
}

/** Parses one reply line (without its newline). */
export function parseReply(line: string): ControlReply {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text === 'ok') return { ok: true, payload: undefined };
  if (text.startsWith('ok ')) {
    const json = text.slice(3);
    try {
      return { ok: true, payload: JSON.parse(json) as unknown };
    } catch (error) {
      throw new StadionError('BROKER_CONTROL', `malformed JSON in reply: ${text}`, { cause: error });
    }
  }
  if (text === 'err') return { ok: false, message: '(no message)' };
  if (text.startsWith('err ')) return { ok: false, message: text.slice(4) };
  throw new StadionError('BROKER_CONTROL', `malformed reply line: ${JSON.stringify(text)}`);
}

/** Splits a chunk stream into lines: feed chunks, get complete lines back; keeps the partial tail. */
export class LineSplitter {
  #pending = '';

  push(chunk: string): string[] {
    const text = this.#pending + chunk;
    const lines = text.split('\n');
    this.#pending = lines.pop() ?? '';
    return lines;
  }

  /** The incomplete line held back so far. */
  get pending(): string {
    return this.#pending;
  }
}

/** Parses the launcher's ready line; throws BROKER_LAUNCHER if it is not what the launcher prints. */
export function parseReadyLine(line: string): LauncherReady {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new StadionError(
      'BROKER_LAUNCHER',
      `launcher printed something other than its ready line: ${line}`,
      {
        cause: error,
      },
    );
  }
  if (!isRecord(value)) throw readyError(line);
  const { bootstrap, control, brokers, librdkafka, patched } = value;
  if (
    typeof bootstrap !== 'string' ||
    !/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/.test(bootstrap) ||
    typeof control !== 'string' ||
    !/^[^\s:]+:\d+$/.test(control) ||
    !Array.isArray(brokers) ||
    !brokers.every((id): id is number => Number.isSafeInteger(id)) ||
    typeof librdkafka !== 'string' ||
    typeof patched !== 'boolean'
  ) {
    throw readyError(line);
  }
  return { bootstrap, control, brokers, librdkafka, patched };
}

/** Narrows a `topics` reply payload. */
export function parseTopicList(payload: unknown): MockTopic[] {
  if (!Array.isArray(payload)) throw payloadError('topics', payload);
  return payload.map((entry: unknown) => {
    if (!isRecord(entry) || typeof entry['name'] !== 'string' || !Number.isSafeInteger(entry['partitions'])) {
      throw payloadError('topics', payload);
    }
    return { name: entry['name'], partitions: entry['partitions'] as number };
  });
}

/** Narrows a `create_topic` reply payload. */
export function parseTopicCreated(payload: unknown): MockTopic & { created: boolean } {
  if (
    !isRecord(payload) ||
    typeof payload['name'] !== 'string' ||
    !Number.isSafeInteger(payload['partitions']) ||
    typeof payload['created'] !== 'boolean'
  ) {
    throw payloadError('create_topic', payload);
  }
  return { name: payload['name'], partitions: payload['partitions'] as number, created: payload['created'] };
}

/** Splits `host:port` (IPv4 or a name; the launcher only ever binds 127.0.0.1). */
export function parseHostPort(address: string): { host: string; port: number } {
  const match = /^([^\s:]+):(\d{1,5})$/.exec(address.trim());
  const port = Number(match?.[2]);
  if (match?.[1] === undefined || !(port > 0 && port < 65_536)) {
    throw new StadionError(
      'BROKER_CONTROL',
      `control address must be host:port, got ${JSON.stringify(address)}`,
    );
  }
  return { host: match[1], port };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readyError(line: string): StadionError {
  return new StadionError('BROKER_LAUNCHER', `unexpected ready line from the launcher: ${line}`);
}

function payloadError(command: string, payload: unknown): StadionError {
  return new StadionError('BROKER_CONTROL', `unexpected reply to ${command}: ${JSON.stringify(payload)}`);
}
