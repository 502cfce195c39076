/** What a flush keeps as bytes until its write phase: bulk-load records and changelog values. */
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { BulkBuffer } from '../../../engine/runtime/bulk-load.ts';
import { ByteLog } from '../../../engine/runtime/byte-log.ts';
import { ChangelogBatch } from '../../../engine/runtime/changelog-batch.ts';

/** A Confluent wire-format value: magic byte, schema id, datum. */
function wire(schemaId: number, datum: string): Buffer {
  const header = Buffer.alloc(5);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, Buffer.from(datum)]);
}

function message(value: Buffer, key: string | null, timestamp: number, headers = {}): KafkaMessage {
  return {
    key: key === null ? null : Buffer.from(key),
    value,
    timestamp: String(timestamp),
    attributes: 0,
    offset: '0',
    headers,
  };
}

describe('ByteLog', () => {
  it('keeps runs end to end across growth, from an offset and from strings', () => {
    const log = new ByteLog();
    const big = Buffer.alloc(100_000, 7);
    log.append(Buffer.from('xyhello'), 2);
    log.append(big);
    log.appendString('é€😀');
    log.append(Buffer.alloc(0));
    expect(log.count).toBe(4);
    expect(log.at(0).toString()).toBe('hello');
    expect(log.at(1)).toEqual(big);
    expect(log.at(2).toString('utf8')).toBe('é€😀');
    expect(log.at(3).length).toBe(0);
    expect(log.bytes).toEqual(Buffer.concat([Buffer.from('hello'), big, Buffer.from('é€😀')]));
    expect(log.size).toBe(log.bytes.length);
  });
});

describe('BulkBuffer', () => {
  it('groups datums by writer schema in order and rebuilds any record for a dead letter', () => {
    const buffer = new BulkBuffer();
    const v1 = { id: 1, schemaText: '"string"' };
    const v2 = { id: 2, schemaText: '"bytes"' };
    buffer.add(v1, message(wire(1, 'a1'), 'k1', 1_000), 10);
    buffer.add(v2, message(wire(2, 'b1'), null, 1_001, { h: Buffer.from('x') }), 11);
    buffer.add(v1, message(wire(1, 'a2'), 'k2', 1_002), 12);
    expect(buffer.size).toBe(3);
    const groups = buffer.take();
    expect(buffer.size).toBe(0);
    expect(buffer.take()).toEqual([]);
    expect(groups.map((g) => [g.writer.id, g.size, g.datums.bytes.toString()])).toEqual([
      [1, 2, 'a1a2'],
      [2, 1, 'b1'],
    ]);
    const [first, second] = groups;
    expect(first?.record(1)).toEqual({
      offset: 12,
      key: Buffer.from('k2'),
      value: wire(1, 'a2'),
      headers: {},
      timestamp: '1002',
    });
    expect(second?.record(0)).toEqual({
      offset: 11,
      key: null,
      value: wire(2, 'b1'),
      headers: { h: Buffer.from('x') },
      timestamp: '1001',
    });
  });

  it('keeps no message: a buffered record does not change when its message does', () => {
    const buffer = new BulkBuffer();
    const value = wire(1, 'abc');
    buffer.add({ id: 1, schemaText: '"string"' }, message(value, 'k', 5), 0);
    value.fill(0);
    expect(buffer.take()[0]?.record(0).value).toEqual(wire(1, 'abc'));
  });
});

describe('ChangelogBatch', () => {
  it('serializes values when added and makes the messages as they are read', () => {
    const batch = new ChangelogBatch('t.store.changelog', 'src|', 3, 41);
    const value = { n: 1 };
    batch.add({ key: 'a', value });
    batch.add({ key: 'b', value: null });
    value.n = 2; // changed after the flush took it: the batch keeps what it was
    expect(batch.count).toBe(2);
    expect(batch.bytes).toBe('{"n":1}'.length);
    expect([...batch.messages()].map((m) => ({ ...m, value: m.value?.toString() ?? null }))).toEqual([
      { key: 'src|a', value: '{"n":1}', partition: 3, headers: { 'stadion.end-offset': '41' } },
      { key: 'src|b', value: null, partition: 3, headers: { 'stadion.end-offset': '41' } },
    ]);
  });
});
