import { Injectable } from '@nestjs/common';

/** Counters of the decision consumer (exposed by the app's health endpoint; never silently dropped). */
@Injectable()
export class IngestStats {
  batches = 0;
  inserted = 0;
  duplicates = 0;
  deadLettered = 0;
  lastBatchAt: string | null = null;

  snapshot(): {
    batches: number;
    inserted: number;
    duplicates: number;
    dead_lettered: number;
    last_batch_at: string | null;
  } {
    return {
      batches: this.batches,
      inserted: this.inserted,
      duplicates: this.duplicates,
      dead_lettered: this.deadLettered,
      last_batch_at: this.lastBatchAt,
    };
  }
}
