import { ATTESTED_COLUMNS } from '../attestation/attestation-core';
import type { DecisionRecord } from '../query/decision-query.repository';

export const EXPORT_FORMATS = ['jsonl', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * The export's columns, in order (CSV header; JSONL objects carry the same keys): exactly the attested
 * columns, so an untouched JSONL export hashes to an attestation's rows_sha256.
 */
export const EXPORT_COLUMNS: readonly (keyof DecisionRecord)[] = ATTESTED_COLUMNS;

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

/** RFC 4180 quoting, and a leading `'` on cells a spreadsheet would run as a formula (CSV injection). */
export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvHeader = (): string => `${EXPORT_COLUMNS.join(',')}\r\n`;

export function formatPage(format: ExportFormat, records: readonly DecisionRecord[]): string {
  let out = '';
  if (format === 'jsonl') {
    for (const record of records) {
      const ordered: Record<string, unknown> = {};
      for (const column of EXPORT_COLUMNS) ordered[column] = record[column];
      out += `${JSON.stringify(ordered)}\n`;
    }
    return out;
  }
  for (const record of records) {
    const cells = EXPORT_COLUMNS.map((column) =>
      column === 'triggered_categories'
        ? csvCell(record.triggered_categories.join(';'))
        : csvCell(record[column]),
    );
    out += `${cells.join(',')}\r\n`;
  }
  return out;
}
