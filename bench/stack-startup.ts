/**
 * How long `stadion up` takes until it prints its endpoints (every part answers), over several runs on
 * fresh data directories and on a reused one. Run: `npx tsx bench/stack-startup.ts [runs]`.
 */
import { cpus } from 'node:os';
import { makeDataDir, removeDataDir, startStackProcess } from '../test/support/stack-process.ts';

const runs = Number(process.argv[2] ?? 5);
const fresh: number[] = [];
const reused: number[] = [];
const reusedDir = await makeDataDir();
try {
  for (let i = 0; i < runs; i += 1) {
    const dir = await makeDataDir();
    const stack = await startStackProcess(dir);
    fresh.push(stack.readyMs);
    await stack.stop();
    await removeDataDir(dir);

    const again = await startStackProcess(reusedDir);
    reused.push(again.readyMs);
    await again.stop();
  }
} finally {
  await removeDataDir(reusedDir);
}
const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
console.log(`stadion up ready (fresh data dir):  median ${median(fresh)} ms, all ${fresh.join(', ')} ms`);
console.log(`stadion up ready (reused data dir): median ${median(reused)} ms, all ${reused.join(', ')} ms`);
