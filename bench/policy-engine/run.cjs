// Runs a TypeScript file on plain Node without a build step: .ts files are compiled in memory by
// @swc/core (already a dev dependency) and `@pgw/policy-engine` resolves to the library source.
// Usage: node bench/policy-engine/run.cjs <file.ts> [args...]
const Module = require('node:module');
const path = require('node:path');
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

const root = path.resolve(__dirname, '..', '..');
const aliases = { '@pgw/policy-engine': path.join(root, 'libs/policy-engine/src/index.ts') };

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, aliases[request] ?? request, ...rest);
};

Module._extensions['.ts'] = function (module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    module: { type: 'commonjs' },
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
  });
  module._compile(code, filename);
};

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/policy-engine/run.cjs <file.ts> [args...]');
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(file), ...args];
require(path.resolve(file));
