// Runs the audit ingestion benchmark on plain Node (compiled with swc): `node bench/audit/run.mjs`.
import { runCompiledBench } from '../support/run-compiled.mjs';

runCompiledBench('bench/audit', 'ingest.bench.js');
