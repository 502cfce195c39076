/**
 * Creating topics. On a real cluster this is the Kafka admin API; the local mock broker has no
 * CreateTopics API, so there its launcher creates them through its control interface. Everything
 * else (producing, consuming, offsets) goes through kafkajs in both cases.
 */
import type { Kafka } from 'kafkajs';
import { BrokerControl } from '../../stack/broker/control.ts';
import type { KafkaConfig } from '../config/config.ts';

export interface TopicSpec {
  name: string;
  partitions: number;
  /** The cluster default (-1) on a real cluster; the local mock places min(3, brokers) replicas whatever is asked. */
  replicationFactor?: number;
  /** Topic configs for a real cluster, e.g. `{ 'cleanup.policy': 'compact' }`; the mock ignores them. */
  configs?: Readonly<Record<string, string>>;
}

/**
 * Creates the topics that do not exist yet. An existing topic is left as it is, whatever its partition
 * count: that is the operator's choice.
 */
export async function ensureTopics(
  kafka: Kafka,
  config: KafkaConfig,
  topics: readonly TopicSpec[],
): Promise<void> {
  if (topics.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length === 0) return;
    if (config.localControl !== undefined) {
      const control = await BrokerControl.connect(config.localControl);
      try {
        for (const topic of missing) await control.createTopic(topic.name, topic.partitions);
      } finally {
        control.close();
      }
      return;
    }
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic: topic.name,
        numPartitions: topic.partitions,
        replicationFactor: topic.replicationFactor ?? -1,
        configEntries: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
  } finally {
    await admin.disconnect();
  }
}
