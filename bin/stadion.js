#!/usr/bin/env node
// The `stadion` command. Stadion's sources are TypeScript run through tsx's loader: no build step.
import { register } from 'tsx/esm/api';

register();
// Before anything loads kafkajs: replaces some of its modules (engine/clients/kafkajs-fast-paths.ts).
await import('../engine/clients/kafkajs-fast-paths.ts');
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
