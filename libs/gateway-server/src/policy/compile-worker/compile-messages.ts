import type { PolicyTarget } from '@pgw/contracts';
import type { ScanTables } from '@pgw/policy-engine';

export interface CompileRequest {
  id: number;
  config: unknown;
}

export type CompileReply =
  | { id: number; ok: true; tables: Record<PolicyTarget, ScanTables> }
  | { id: number; ok: false; message: string };
