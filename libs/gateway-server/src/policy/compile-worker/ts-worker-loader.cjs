// Tests only (Jest runs the TypeScript sources): lets a worker thread require .ts files, compiled in
// memory by @swc/core (a dev dependency) with the workspace's @pgw/* aliases. Built code (dist/) runs
// the compiled .js worker directly and never loads this file.
const Module = require('node:module');
const path = require('node:path');
const fs = require('node:fs');

module.exports = function runTypeScriptWorker(entry, root) {
  const { transformSync } = require('@swc/core');
  const paths = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions
    .paths;
  const aliases = Object.fromEntries(
    Object.entries(paths).map(([alias, [target]]) => [alias, path.join(root, target)]),
  );
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return resolve.call(this, aliases[request] ?? request, ...rest);
  };
  Module._extensions['.ts'] = function (module, filename) {
    const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
      filename,
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
  require(entry);
};
