import { GENESIS } from './chain.js';
import { linkRows, renderedText, type AuditRow, type UnchainedRow } from './rows.js';

/**
 * The SQL a chain store needs: a Durable Object's `ctx.storage.sql` (src/entry/worker/), or
 * better-sqlite3 in tests. Synchronous, as the object's storage is: a call that makes no await
 * between its statements is atomic in the object, and its output gate holds the response until
 * what it wrote is durable.
 */
export interface SqlExec {
  exec(query: string, ...params: (string | number | null)[]): Record<string, unknown>[];
}

/** One stored link of a chain: its place, the row it chains (JSON), and the hashes. */
interface Link {
  seq: number;
  id: string;
  row: string;
  prev_hash: string;
  hash: string;
}

/**
 * One hash chain in its own small database: a patient's (every event about her, in her Durable
 * Object) or a shard's (events about no one). The row is kept as the JSON of the same
 * UnchainedRow the Node file stores in columns, hashed by the same chainedText, so one verifier
 * (src/audit/chains.ts) checks both.
 */
export class ChainStore {
  private end: { seq: number; hash: string } | undefined;

  constructor(private readonly sql: SqlExec) {
    sql.exec(
      'CREATE TABLE IF NOT EXISTS audit_chain (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, row TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)',
    );
  }

  /**
   * Links and stores rows after the chain's end. A row whose id is already stored is skipped:
   * a retried append (the caller saw an error, the write had landed) adds nothing twice.
   */
  append(rows: readonly UnchainedRow[]): { seq: number; hash: string; added: number } {
    const fresh = rows.filter(
      (r, i) => rows.findIndex((o) => o.id === r.id) === i && this.sql.exec('SELECT 1 FROM audit_chain WHERE id = ?', r.id).length === 0,
    );
    const linked = linkRows(this.head(), fresh);
    for (const r of linked) {
      const { seq, prevHash, hash, ...row } = r;
      this.sql.exec('INSERT INTO audit_chain (seq, id, row, prev_hash, hash) VALUES (?, ?, ?, ?, ?)', seq, r.id, JSON.stringify(row), prevHash, hash);
    }
    const last = linked[linked.length - 1];
    if (last) this.end = { seq: last.seq, hash: last.hash };
    return { ...this.head(), added: linked.length };
  }

  /** Where the chain ends (seq 0 and the genesis hash when empty). */
  head(): { seq: number; hash: string } {
    if (!this.end) {
      const [last] = this.sql.exec('SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1') as unknown as Link[];
      this.end = last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS };
    }
    return this.end;
  }

  count(): number {
    return Number(this.sql.exec('SELECT count(*) AS n FROM audit_chain')[0]!.n);
  }

  /** Rendered events at positions `from` to `from + limit - 1`, in chain order. */
  at(from: number, limit: number): string[] {
    const links = this.sql.exec('SELECT seq, row, prev_hash, hash FROM audit_chain ORDER BY seq LIMIT ? OFFSET ?', limit, from) as unknown as Link[];
    return links.map((l) => renderedText(JSON.parse(l.row) as UnchainedRow));
  }

  event(id: string): string | undefined {
    const [l] = this.sql.exec('SELECT row FROM audit_chain WHERE id = ?', id) as unknown as Link[];
    return l ? renderedText(JSON.parse(l.row) as UnchainedRow) : undefined;
  }

  /**
   * Stored rows as the verifier reads them, in seq order: from the very bottom when `after` is
   * undefined (a row numbered 0 or below is an insertion, and must be seen), else after it.
   * A row whose JSON does not parse is returned with its kind unknown, so the verifier reports it.
   */
  rows(after: number | undefined, limit: number): AuditRow[] {
    const links = (after === undefined
      ? this.sql.exec('SELECT seq, id, row, prev_hash, hash FROM audit_chain ORDER BY seq LIMIT ?', limit)
      : this.sql.exec('SELECT seq, id, row, prev_hash, hash FROM audit_chain WHERE seq > ? ORDER BY seq LIMIT ?', after, limit)) as unknown as Link[];
    // The id as its column holds it (the one event(id) finds the row by), so an id column edited
    // apart from the hashed row fails the hash (red team 6: two rows' ids swapped).
    return links.map((l) => ({ ...parseRow(l.row), id: l.id, seq: l.seq, prevHash: l.prev_hash, hash: l.hash }));
  }

  hashAt(seq: number): string | undefined {
    const [l] = this.sql.exec('SELECT hash FROM audit_chain WHERE seq = ?', seq) as unknown as Link[];
    return l?.hash;
  }

  /** The newest whole event whose JSON holds `marker`, parsed (the console's last check). */
  lastMarked(marker: string): Record<string, unknown> | undefined {
    // The row holds the event as an escaped JSON string: narrowed by the marker's longest plain word, then matched exactly.
    const word = marker.split(/[^A-Za-z0-9-]+/).sort((a, b) => b.length - a.length)[0] ?? '';
    const links = this.sql.exec('SELECT row FROM audit_chain WHERE row LIKE ? ORDER BY seq DESC LIMIT 50', `%${word}%`) as unknown as Link[];
    for (const l of links) {
      const row = parseRow(l.row);
      if (row.kind === 'event' && row.resource?.includes(marker)) return JSON.parse(row.resource) as Record<string, unknown>;
    }
    return undefined;
  }
}

function parseRow(text: string): UnchainedRow {
  try {
    return JSON.parse(text) as UnchainedRow;
  } catch {
    return { kind: 'unreadable' } as unknown as UnchainedRow;
  }
}
