/** accepted → running → completed | failed. A retry puts a running request back to accepted. */
export enum IngestionStatus {
  Accepted = 'accepted',
  Running = 'running',
  Completed = 'completed',
  Failed = 'failed',
}
