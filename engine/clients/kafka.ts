/** kafkajs clients built from the configuration; the same code for the local stack and a real cluster. */
// The fast paths are installed by bin/stadion.js before kafkajs loads; here only checked (see the module).
import { installKafkajsFastPaths } from './kafkajs-fast-paths.ts';
import { Kafka, logLevel as kafkaLogLevel, type KafkaConfig as KafkajsConfig, type LogEntry } from 'kafkajs';
import type { KafkaConfig } from '../config/config.ts';
import type { Logger } from '../log.ts';

/** Hook called when kafkajs reports that a consumer's offset was out of range and got reset. */
export type OffsetResetListener = (event: { topic: string; partition: number; groupId: string }) => void;

export interface KafkaClientOptions {
  logger: Logger;
  /** Told of every out-of-range reset kafkajs makes (see engine/kafka/data-loss.ts). */
  onOffsetReset?: OffsetResetListener;
}

/** kafkajs' own message when a fetch hits OFFSET_OUT_OF_RANGE and it falls back to the reset policy. */
export const KAFKAJS_OFFSET_RESET_MESSAGE = 'Offset out of range, resetting to default offset';

let fastPathsReported = false;

export function createKafka(config: KafkaConfig, options: KafkaClientOptions): Kafka {
  const fastPaths = installKafkajsFastPaths();
  if (!fastPathsReported && !fastPaths.modules) {
    fastPathsReported = true;
    options.logger.warn('kafkajs fast paths not in place: produce and fetch cost more CPU', { ...fastPaths });
  }
  const kafkajsConfig: KafkajsConfig = {
    clientId: config.clientId,
    brokers: [...config.brokers],
    ssl: config.ssl,
    logLevel: kafkaLogLevel.INFO,
    logCreator: () => (entry) => {
      forwardKafkaLog(entry, options);
    },
  };
  if (config.sasl !== undefined) {
    const { username, password } = config.sasl;
    switch (config.sasl.mechanism) {
      case 'plain':
        kafkajsConfig.sasl = { mechanism: 'plain', username, password };
        break;
      case 'scram-sha-256':
        kafkajsConfig.sasl = { mechanism: 'scram-sha-256', username, password };
        break;
      case 'scram-sha-512':
        kafkajsConfig.sasl = { mechanism: 'scram-sha-512', username, password };
        break;
    }
  }
  return new Kafka(kafkajsConfig);
}

function forwardKafkaLog(entry: LogEntry, options: KafkaClientOptions): void {
  const { message, ...rest } = entry.log;
  const fields: Readonly<Record<string, unknown>> = rest;
  const logger = options.logger.child({ component: 'kafkajs', namespace: entry.namespace });
  if (message === KAFKAJS_OFFSET_RESET_MESSAGE) {
    const topic = fields['topic'];
    const partition = fields['partition'];
    const groupId = fields['groupId'];
    if (typeof topic === 'string' && typeof partition === 'number' && typeof groupId === 'string') {
      options.onOffsetReset?.({ topic, partition, groupId });
    }
  }
  switch (entry.level) {
    case kafkaLogLevel.ERROR:
    case kafkaLogLevel.NOTHING:
      logger.error(message, fields);
      break;
    case kafkaLogLevel.WARN:
      logger.warn(message, fields);
      break;
    case kafkaLogLevel.INFO:
      logger.info(message, fields);
      break;
    default:
      logger.debug(message, fields);
  }
}
