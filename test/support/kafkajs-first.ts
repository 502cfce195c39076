/**
 * Set up before every test file, as bin/stadion.js does before the CLI: kafkajs' fast paths replace
 * some of its modules, which only works before anything loads kafkajs (engine/clients/kafkajs-fast-paths.ts).
 */
import '../../engine/clients/kafkajs-fast-paths.ts';
