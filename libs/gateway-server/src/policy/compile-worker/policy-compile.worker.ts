// Worker thread entry: compiles a policy config and sends back its scan tables (typed arrays, transferred,
// not copied). The main thread compiles the same config with them and skips building the automata.
import { parentPort } from 'node:worker_threads';
import { compilePolicy, scanTableBuffers } from '@pgw/policy-engine';
import type { CompileReply, CompileRequest } from './compile-messages';

parentPort?.on('message', (request: CompileRequest) => {
  let reply: CompileReply;
  try {
    const tables = compilePolicy(request.config as never).scanTables();
    reply = { id: request.id, ok: true, tables };
    parentPort?.postMessage(reply, Object.values(tables).flatMap(scanTableBuffers));
  } catch (error) {
    reply = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
    parentPort?.postMessage(reply);
  }
});
