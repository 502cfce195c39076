/** The Confluent wire format: magic byte 0, the schema id as a big-endian int32, then the Avro binary. */
import type avsc from 'avsc';

export function encodeConfluent(schemaId: number, type: avsc.Type, value: unknown): Buffer {
  return confluentFrame(schemaId, type.toBuffer(value));
}

/** Avro binary already encoded, framed with the magic byte and the schema id. */
export function confluentFrame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = 0;
  out.writeInt32BE(schemaId, 1);
  body.copy(out, 5);
  return out;
}
