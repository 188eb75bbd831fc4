/**
 * Where a deployment keeps what is too large for a database row: R2 on the Worker (D1 refuses
 * any row over 2,000,000 bytes). Node has none: its SQLite file holds a row of up to 1 GB.
 * Keys are written once and never changed or deleted, so a put that is retried, or whose write
 * then fails, is harmless.
 */
export interface Blobs {
  put(key: string, text: string): Promise<void>;
  get(key: string): Promise<string | undefined>;
}
