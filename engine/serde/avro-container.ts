/**
 * Avro object container files (the `Avro` format ClickHouse reads) built from datums that are already
 * encoded, such as the bodies of Confluent wire-format Kafka messages: the writer schema goes in the
 * header once and the datum bytes are copied as they are, so nothing is decoded or re-encoded.
 * Layout (Avro specification, "Object Container Files"): magic `Obj\x01`, a metadata map with
 * `avro.schema` and `avro.codec`, a 16-byte sync marker, then blocks of (count, size, datums, sync).
 */

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]);

/** Avro `long`: zig-zag, then base-128 varint. */
export function encodeAvroLong(value: number): Buffer {
  let n = value >= 0 ? value * 2 : -value * 2 - 1; // zig-zag without 32-bit overflow
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return Buffer.from(bytes);
}

function avroBytes(value: Buffer): Buffer[] {
  return [encodeAvroLong(value.length), value];
}

/** A deterministic sync marker per schema text (the format only needs it not to occur by accident). */
function syncMarkerOf(schemaJson: string): Buffer {
  const marker = Buffer.alloc(16);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < schemaJson.length; i++) {
    const c = schemaJson.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 16777619) >>> 0;
    h2 = Math.imul(h2 + c, 2246822519) >>> 0;
  }
  marker.writeUInt32BE(h1, 0);
  marker.writeUInt32BE(h2, 4);
  marker.writeUInt32BE(Math.imul(h1, 3266489917) >>> 0, 8);
  marker.writeUInt32BE((h2 ^ 0x5bd1e995) >>> 0, 12);
  return marker;
}

/**
 * One object container file of `count` datums (each a complete encoded value of `schemaJson`) already
 * laid end to end in `body`.
 */
export function avroContainerOf(schemaJson: string, count: number, body: Buffer): Buffer {
  const sync = syncMarkerOf(schemaJson);
  const header = [
    MAGIC,
    encodeAvroLong(2),
    ...avroBytes(Buffer.from('avro.schema')),
    ...avroBytes(Buffer.from(schemaJson)),
    ...avroBytes(Buffer.from('avro.codec')),
    ...avroBytes(Buffer.from('null')),
    encodeAvroLong(0),
    sync,
  ];
  const block = count === 0 ? [] : [encodeAvroLong(count), encodeAvroLong(body.length), body, sync];
  return Buffer.concat([...header, ...block]);
}
