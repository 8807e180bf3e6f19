import type { PrebuiltScans } from '@pgw/policy-engine';

export interface CompileRequest {
  id: number;
  config: unknown;
}

export type CompileReply =
  { id: number; ok: true; tables: PrebuiltScans } | { id: number; ok: false; message: string };
