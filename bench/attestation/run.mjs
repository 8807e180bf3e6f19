// Runs the attestation benchmark on plain Node (compiled with swc): `node bench/attestation/run.mjs`.
import { runCompiledBench } from '../support/run-compiled.mjs';

runCompiledBench('bench/attestation', 'attestation.bench.js');
