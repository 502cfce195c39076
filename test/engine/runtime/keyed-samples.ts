/** The input of the window operator tests: JSON samples on topic `samples`, in order, keyed by `key`. */
import { json } from '../../../engine/topology/codecs.ts';
import type { Stream, TopologyBuilder } from '../../../engine/topology/builder.ts';

export interface KeyedSample {
  readonly key: string;
  readonly t: number;
}

export function keyedSamples<S extends KeyedSample>(t: TopologyBuilder): Stream<S> {
  return t
    .stream('samples', {
      topic: 'samples',
      codec: json((v): v is S => typeof v === 'object' && v !== null),
      timestampOf: (s) => s.t,
      maxOutOfOrdernessMs: 0,
    })
    .selectKey((s) => s.key);
}
