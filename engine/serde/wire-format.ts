/** The Confluent wire format: magic byte 0, the schema id as a big-endian int32, then the Avro binary. */
import type avsc from 'avsc';

export function encodeConfluent(schemaId: number, type: avsc.Type, value: unknown): Buffer {
  const body = type.toBuffer(value);
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = 0;
  out.writeInt32BE(schemaId, 1);
  body.copy(out, 5);
  return out;
}
