import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Why `npm start` cannot start, as a stable code (like jose's `err.code`, so `switch` narrows),
 * with the setting to change and the path or address at fault. src/entry/node.ts turns each code
 * into the one sentence an operator reads; the original error stays in `cause` for a debugger.
 */
export type StartupErrorCode =
  | 'ERR_PORT_IN_USE'
  | 'ERR_PORT_FORBIDDEN'
  | 'ERR_HOST_UNAVAILABLE'
  | 'ERR_NOT_A_DIRECTORY'
  | 'ERR_NOT_WRITABLE'
  | 'ERR_DISK_FULL'
  | 'ERR_DATABASE_CORRUPT'
  | 'ERR_SIGNING_KEY_CORRUPT'
  | 'ERR_NO_SIGNING_KEY';

export type StartupSetting = 'HOST' | 'PORT' | 'DATA_DIR' | 'KEYS_DIR';

export class StartupError extends Error {
  override name = 'StartupError';
  constructor(
    readonly code: StartupErrorCode,
    readonly setting: StartupSetting,
    /** The path or address the problem is about. */
    readonly subject: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${setting} ${subject}`, options);
  }
}

/**
 * A file-system or SQLite error met while using `path` under `setting`, as a StartupError when
 * it is the operator's to fix (a file where a directory should be, no write access, a full disk,
 * a damaged database); anything else is returned unchanged.
 */
export function fileProblem(err: unknown, setting: StartupSetting, path: string): unknown {
  if (err instanceof StartupError) return err;
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  const as = (c: StartupErrorCode) => new StartupError(c, setting, path, { cause: err });
  if (code === 'ENOTDIR' || code === 'EEXIST') return as('ERR_NOT_A_DIRECTORY');
  if (['EACCES', 'EPERM', 'EROFS', 'ENOENT'].includes(code) || /^SQLITE_(CANTOPEN|READONLY|PERM|AUTH)/.test(code)) return as('ERR_NOT_WRITABLE');
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return as('ERR_DISK_FULL');
  if (/^SQLITE_(NOTADB|CORRUPT)/.test(code)) return as('ERR_DATABASE_CORRUPT');
  return err;
}

/**
 * `mkdir -p` that fails instead of spinning: Node's recursive mkdir retries forever where a
 * parent exists but refuses children with ENOENT (any path under /proc), so this walks up itself.
 */
export async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'EEXIST') {
      if (!(await stat(path)).isDirectory()) throw err;
      return;
    }
    if (code !== 'ENOENT' || dirname(path) === path) throw err;
    await makeDirectory(dirname(path));
    await mkdir(path).catch((again: { code?: string }) => {
      if (again.code !== 'EEXIST') throw again;
    });
  }
}
