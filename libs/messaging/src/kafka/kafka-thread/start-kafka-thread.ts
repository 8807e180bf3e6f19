import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { KafkaThreadOptions } from './protocol';

/**
 * Starts the Kafka worker thread. Built code (dist/) runs the compiled kafka.worker.js. Run from the
 * TypeScript sources (Jest, benches) the thread compiles them in memory with @swc/core, a dev dependency
 * that only source checkouts have; the worker's imports are relative, so no path aliases are needed.
 */
export function startKafkaThread(options: KafkaThreadOptions): Worker {
  // A small young generation: the thread holds a batch at a time and must not add much to the RSS.
  const resourceLimits = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 128 };
  const compiled = join(__dirname, 'kafka.worker.js');
  if (existsSync(compiled)) return new Worker(compiled, { workerData: options, resourceLimits });
  return new Worker(SOURCE_BOOTSTRAP, {
    eval: true,
    workerData: options,
    resourceLimits,
    argv: [join(__dirname, 'kafka.worker.ts')],
  });
}

const SOURCE_BOOTSTRAP = `
const Module = require('node:module');
const fs = require('node:fs');
const { transformSync } = require('@swc/core');
Module._extensions['.ts'] = function (module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    module: { type: 'commonjs' },
    jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
  });
  module._compile(code, filename);
};
require(process.argv[2]);
`;
