import { mkdir, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AuditLog } from '../audit/log.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { openSqlite } from '../db/sqlite.js';
import { parseDuaCsv, ParticipantError, participantOps, type Actor, type DuaLine, type ParticipantOps, type Participants } from '../participants/index.js';

const usage = `usage: npm run participants -- <command> [options]      (works on DATA_DIR's database; a running gateway sees each change on its next request)

  list [--json]
  add-org     --reference Organization/<id> --name "<name>" --kind provider|payer|analytics|hie
  add-dua     --csv <file>                    one agreement version in policies/duas.csv's format
              | --dua <id> --organization Organization/<id> --line PURPOSE,class,category,any|member [--line ...]
              [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--version N]    (--start/--end override the file's)
  end-dua     --dua <id> --version N --end YYYY-MM-DD
  add-client  --client-id <id> --name "<name>" --kind source|payer|analytics --organization Organization/<id>
              --scope "system/*.cu ..." --purposes "TREAT HOPERAT ..." (--jwks <file> | --jwks-uri <https url>)
              [--source-uri <uri>] [--dua <dua-id>]
  suspend | resume   --client <id> | --organization Organization/<id> | --dua <id> --version N

Every change is one transaction, audited with your user name; a refused change says why and changes nothing (exit 1).`;

const options = {
  json: { type: 'boolean' },
  help: { type: 'boolean' },
  reference: { type: 'string' },
  name: { type: 'string' },
  kind: { type: 'string' },
  csv: { type: 'string' },
  dua: { type: 'string' },
  organization: { type: 'string' },
  line: { type: 'string', multiple: true },
  start: { type: 'string' },
  end: { type: 'string' },
  version: { type: 'string' },
  'client-id': { type: 'string' },
  client: { type: 'string' },
  scope: { type: 'string' },
  purposes: { type: 'string' },
  jwks: { type: 'string' },
  'jwks-uri': { type: 'string' },
  'source-uri': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

class UsageError extends Error {}

const need = (values: Values, name: keyof Values): string => {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
};

const versionOf = (values: Values): number => {
  const version = Number(need(values, 'version'));
  if (!Number.isInteger(version) || version < 1) throw new UsageError('--version must be a positive whole number');
  return version;
};

async function run(command: string, values: Values, ops: ParticipantOps, actor: Actor): Promise<string> {
  switch (command) {
    case 'list':
      return values.json ? JSON.stringify(await ops.list(), null, 2) : describe(await ops.list());
    case 'add-org': {
      const org = await ops.addOrganization({ reference: need(values, 'reference'), name: need(values, 'name'), kind: need(values, 'kind') }, actor);
      return `Registered ${org.reference} (${org.kind}), active.`;
    }
    case 'add-dua': {
      const input = await duaInput(values);
      const added = await ops.addDuaVersion(input, actor);
      return `Registered version ${added.version} of ${added.dua} (${input.lines.length} lines).`;
    }
    case 'end-dua': {
      const ended = await ops.endDuaVersion({ dua: need(values, 'dua'), version: versionOf(values), end: need(values, 'end') }, actor);
      return `Version ${ended.version} of ${ended.dua} now ends ${ended.end}.`;
    }
    case 'add-client': {
      const jwksFile = values.jwks;
      const client = await ops.addClient(
        {
          clientId: need(values, 'client-id'),
          name: need(values, 'name'),
          kind: need(values, 'kind'),
          organization: need(values, 'organization'),
          scope: need(values, 'scope'),
          purposes: need(values, 'purposes')
            .split(/[\s,]+/)
            .filter(Boolean),
          sourceUri: values['source-uri'],
          dua: values.dua,
          jwksUri: values['jwks-uri'],
          ...(jwksFile ? { jwks: await readJwks(jwksFile) } : {}),
        },
        actor,
      );
      return `Registered client ${client.clientId} for ${client.organization}, active: it can get tokens now.`;
    }
    case 'suspend':
    case 'resume': {
      const status = command === 'suspend' ? 'suspended' : 'active';
      const target = values.client
        ? { target: 'client' as const, id: values.client }
        : values.organization
          ? { target: 'organization' as const, id: values.organization }
          : values.dua
            ? { target: 'dua-version' as const, id: values.dua, version: versionOf(values) }
            : undefined;
      if (!target) throw new UsageError(`${command} needs --client, --organization or --dua with --version`);
      await ops.setStatus({ ...target, status }, actor);
      return `${target.target} ${target.id}${'version' in target ? ` version ${target.version}` : ''} is now ${status}.`;
    }
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

async function duaInput(values: Values) {
  const override = { ...(values.start !== undefined ? { start: values.start } : {}), ...(values.end !== undefined ? { end: values.end } : {}) };
  const version = values.version !== undefined ? { version: versionOf(values) } : {};
  if (values.csv) {
    const groups = parseDuaCsv(await readFile(values.csv, 'utf8'));
    if (groups.length !== 1)
      throw new UsageError(`${values.csv} holds ${groups.length} agreements or periods; add one version at a time, so each is all or nothing`);
    const [g] = groups as [(typeof groups)[number]];
    return { dua: g.dua, organization: g.organization, start: g.start, end: g.end, status: g.status, lines: g.lines, ...override, ...version };
  }
  const lines: DuaLine[] = (values.line ?? []).map((l) => {
    const [purpose = '', cls = '', category = '', scope = ''] = l.split(',').map((f) => f.trim());
    return { purpose, cls, category, scope };
  });
  if (lines.length === 0) throw new UsageError('add-dua needs --csv <file> or at least one --line');
  return { dua: need(values, 'dua'), organization: need(values, 'organization'), start: need(values, 'start'), end: values.end ?? '', lines, ...version };
}

/** A JWKS file, or a single JWK (wrapped into a set). */
async function readJwks(path: string): Promise<unknown> {
  let body: unknown;
  try {
    body = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ParticipantError('invalid', [`${path} is not readable JSON (${(err as Error).message.split('\n')[0]})`]);
  }
  return typeof body === 'object' && body !== null && 'kty' in body ? { keys: [body] } : body;
}

function describe(p: Participants): string {
  const out = [`Organizations (${p.organizations.length})`];
  for (const o of p.organizations) out.push(`  ${o.reference}  ${o.kind}  ${o.status}  ${o.name}`);
  out.push(`Backend clients (${p.clients.length})`);
  for (const c of p.clients)
    out.push(
      `  ${c.clientId}  ${c.kind}  ${c.status}  ${c.organization}  dua=${c.dua ?? '-'}  scope="${c.scope}"  purposes=${c.purposes.join(',')}  keys=${c.jwks ? `${c.jwks.keys.length} inline` : c.jwksUri}`,
    );
  out.push(`DUAs (${p.duas.length})`);
  for (const d of p.duas) {
    out.push(`  ${d.id}  ${d.organization}`);
    for (const v of d.versions)
      out.push(
        `    v${v.version}  ${v.start || 'open'} to ${v.end || 'open'}  ${v.status}  ${v.lines.map((l) => `${l.purpose}:${l.cls}:${l.category}:${l.scope}`).join(' ')}`,
      );
  }
  if (p.organizations.length === 0)
    out.push('', 'Nothing is registered yet. Start with: npm run participants -- add-org --reference Organization/<id> --name "<name>" --kind provider');
  return out.join('\n');
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options });
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || !command || command === 'help') {
    console.error(usage);
    return values.help || command === 'help' ? 0 : 2;
  }
  const config = loadConfig(process.env);
  await mkdir(config.dataDir, { recursive: true });
  const db = openSqlite(join(config.dataDir, 'gateway.db'));
  // The audit trail's own file, as the gateway keeps it (see src/entry/bootstrap.ts).
  const auditDb = openSqlite(join(config.dataDir, 'audit.db'));
  const ops = participantOps({ db, audit: new AuditLog(auditDb), clock: () => new Date(), newId: () => crypto.randomUUID() });
  const actor: Actor = { via: 'cli', id: process.env.SUDO_USER ?? process.env.USER ?? userInfo().username };
  try {
    console.log(await run(command, values, ops, actor));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${usage}`);
      return 2;
    }
    if (err instanceof ParticipantError) {
      console.error(`nothing changed:\n${err.problems.map((p) => `  ${p}`).join('\n')}`);
      return 1;
    }
    throw err;
  } finally {
    db.close();
    auditDb.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  },
);
