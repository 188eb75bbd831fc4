/** Past this share of its limit a database raises the alert: room left to act (split, move, archive) before writes fail. */
export const STORAGE_ALERT_AT = 0.8;

export interface StorageReading {
  driver: 'sqlite' | 'd1';
  /** What the database holds now; null where the driver cannot say. */
  bytes: number | null;
  /** Its hard limit (D1: 10 GB, not raisable); null where there is none but the disk. */
  limitBytes: number | null;
  /** bytes / limitBytes, to three places; null without both. */
  used: number | null;
  alert: boolean;
}

/** The operator's reading of the database's size against its limit. Pure. */
export function storageReading(driver: StorageReading['driver'], bytes: number | undefined, limitBytes: number | undefined): StorageReading {
  const used = bytes !== undefined && limitBytes ? Math.round((bytes / limitBytes) * 1000) / 1000 : null;
  return { driver, bytes: bytes ?? null, limitBytes: limitBytes ?? null, used, alert: used !== null && used >= STORAGE_ALERT_AT };
}
