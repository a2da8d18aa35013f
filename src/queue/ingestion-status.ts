/**
 * accepted → running → completed | failed. A retry puts a running request back to accepted. A version of a
 * document (document_id) becomes superseded once a newer version of the same document has completed. An
 * accepted or running request can be cancelled (it stores nothing); a failed one can be retried (back to accepted).
 */
export enum IngestionStatus {
  Accepted = 'accepted',
  Running = 'running',
  Completed = 'completed',
  Failed = 'failed',
  Superseded = 'superseded',
  Cancelled = 'cancelled',
}
