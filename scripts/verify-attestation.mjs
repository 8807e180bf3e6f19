#!/usr/bin/env node
// Verifies an audit compliance attestation offline: no running service, no database, no network.
//
//   node scripts/verify-attestation.mjs --attestation att.json --public-key key.pem [--export rows.jsonl]
//
// --attestation  the JSON returned by POST /admin/v1/audit/attestations ({attestation, signature, ...})
// --public-key   the PEM (or the JSON) from GET /admin/v1/audit/attestations/public-key, obtained on its own
//                channel: the public_key_pem inside the attestation is never trusted
// --export       optional: a JSONL export (GET /admin/v1/audit/export?format=jsonl) of the same project and
//                period; its rows are recomputed into the attested summary (row count, ids, hash, policies)
//
// Exit 0 = every check passed, 1 = a check failed, 2 = bad usage or unreadable input.
// The checks come from libs/audit-server/src/attestation/attestation-core.ts, the very file the service
// signs with; it imports only node:crypto, so it is compiled here with swc and loaded as a module.
import { accessSync, constants, createReadStream, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CORE = resolve(root, 'libs/audit-server/src/attestation/attestation-core.ts');

async function loadCore() {
  const { transformFileSync } = await import('@swc/core');
  const { code } = transformFileSync(CORE, {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'es6' },
    sourceMaps: false,
    swcrc: false,
  });
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}

function usage(message) {
  console.error(
    `${message}\nusage: node scripts/verify-attestation.mjs --attestation <file.json> --public-key <file.pem> [--export <file.jsonl>]`,
  );
  process.exit(2);
}

function readOrExit(path, what) {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    return usage(`cannot read the ${what} ${path}: ${error.message}`);
  }
}

/** The PEM itself, or the public-key endpoint's JSON answer holding it. */
function publicKeyPem(text) {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return trimmed;
  const pem = JSON.parse(trimmed).public_key_pem;
  if (typeof pem !== 'string') usage('the public key JSON has no public_key_pem');
  return pem;
}

function print(report) {
  for (const check of report.checks)
    console.log(`${check.ok ? 'OK  ' : 'FAIL'} ${check.name}: ${check.detail}`);
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        attestation: { type: 'string' },
        'public-key': { type: 'string' },
        export: { type: 'string' },
      },
    }));
  } catch (error) {
    usage(error.message);
  }
  if (!values.attestation || !values['public-key']) usage('--attestation and --public-key are required');
  let document;
  try {
    document = JSON.parse(readOrExit(values.attestation, 'attestation'));
  } catch (error) {
    usage(`the attestation is not JSON: ${error.message}`);
  }
  const pem = publicKeyPem(readOrExit(values['public-key'], 'public key'));

  const core = await loadCore();
  let signature;
  try {
    signature = core.verifyAttestationSignature(document, pem);
  } catch (error) {
    usage(`cannot use the public key: ${error.message}`);
  }
  print(signature);
  let ok = signature.ok;

  if (values.export && signature.checks[0].name !== 'format') {
    try {
      accessSync(values.export, constants.R_OK);
    } catch (error) {
      usage(`cannot read the export ${values.export}: ${error.message}`);
    }
    const verifier = new core.ExportVerifier(document.attestation);
    const lines = createInterface({ input: createReadStream(values.export), crlfDelay: Infinity });
    for await (const line of lines) verifier.addLine(line);
    const rows = verifier.finish();
    print(rows);
    ok = ok && rows.ok;
  }
  const a = document?.attestation;
  console.log(
    ok
      ? `VERIFIED: ${a.row_count} rows of project ${a.project_id} in [${a.period.from}, ${a.period.to})` +
          (values.export ? ', and the export matches them' : ' (signature only)')
      : 'NOT VERIFIED',
  );
  process.exit(ok ? 0 : 1);
}

await main();
