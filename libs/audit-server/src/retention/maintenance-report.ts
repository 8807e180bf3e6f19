/** What one partition-maintenance run did (shared by the maintenance service and its metrics). */
export interface MaintenanceReport {
  created: string[];
  dropped: string[];
  movedRows: number;
  purgedDefaultRows: number;
  /** Rows deleted by the sweep to their project's exact retention (partitions not droppable yet). */
  sweptRows: number;
  /** false when another replica held the maintenance lock and this run did nothing. */
  ran: boolean;
}
