import { z } from 'zod';

/**
 * Every setting, its default and why, in one place. Read from the environment once at start-up;
 * every problem is reported together.
 */
const schema = z.object({
  /** Interface to listen on. Loopback by default: nothing is exposed until an operator says so. */
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Public base URL, used in links and token audiences. Defaults to http://HOST:PORT. */
  PUBLIC_BASE_URL: z.url().optional(),
  /** Where the SQLite database lives. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** Where signing keys are generated and kept (private ones are gitignored). */
  KEYS_DIR: z.string().min(1).default('./keys'),
  /** Where the synthetic region is generated on first start. */
  FIXTURES_DIR: z.string().min(1).default('./fixtures/generated'),
  /**
   * Size of the synthetic region. 3,000 is the size at which every chart of the first release page
   * shows segment and organization figures, at a first start of a minute or two. At 1,000 most
   * segment PMPM categories and organization rates are withheld, at 2,000 and 4,000 every segment
   * PMPM; 10,000 shows about what 3,000 does for a longer load (docs/benchmarks.md, "The first
   * release page").
   */
  FIXTURE_PATIENTS: z.coerce.number().int().min(1).max(1_000_000).default(3000),
  FIXTURE_SEED: z.coerce.number().int().default(42),
  /** Largest request body accepted, in bytes; larger ones are refused with 413 before they are read. */
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(16 * 1024 * 1024),
  /**
   * The authorization server's issuer. On Node the gateway runs it at PUBLIC_BASE_URL/oidc; a
   * Worker points this at that deployment.
   */
  OIDC_ISSUER: z.url().optional(),
  /** Where a Worker fetches the issuer's public keys; defaults to OIDC_ISSUER/jwks. */
  OIDC_JWKS_URL: z.url().optional(),
  /**
   * Other deployments of this gateway that trust this authorization server (a Worker, say), as
   * comma-separated origins: their FHIR bases are resource servers a token may be asked for, and
   * the pages' sign-in may return to their /portal, /clinician and /operator. Each is an exact
   * origin (no path), so no token is ever issued for a server not named here.
   */
  TRUSTED_GATEWAYS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().refine((o) => isOrigin(o), 'each must be an http(s) origin, such as https://worker.example.org, with no path'))),
  /** Access-token lifetime in seconds: short, because a token is a bearer credential. */
  ACCESS_TOKEN_TTL: z.coerce.number().int().min(30).max(3600).default(300),
  /**
   * The longest a chain of refresh tokens lives, in seconds from sign-in (rotation does not
   * extend it): 30 days. online_access ones end sooner, with the sign-in session (8 hours).
   */
  REFRESH_TOKEN_TTL: z.coerce
    .number()
    .int()
    .min(30)
    .max(365 * 86_400)
    .default(30 * 86_400),
  /**
   * development: loads the synthetic region, creates the fixture accounts and lets the token
   * helper work. production: none of that. Development is the default so that `npm start` shows
   * a working region, and it says so loudly.
   */
  GATEWAY_ENV: z.enum(['development', 'production']).default('development'),
  /** Password for the fixture identities, development only (documented in the README). */
  DEV_PASSWORD: z.string().min(8).default('consent-gateway-dev'),
  /** Development only: seconds between the demo ADT feed's live visits (src/synthetic/adt-feed.ts); 0 turns it off. */
  DEMO_FEED_SECONDS: z.coerce.number().min(0).max(86_400).default(25),
});

export type Env = z.input<typeof schema>;

/** `https://host[:port]` exactly (a trailing slash allowed): no path, query or credentials. */
function isOrigin(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === text.replace(/\/$/, '');
}

export interface Config {
  host: string;
  port: number;
  baseUrl: string;
  dataDir: string;
  keysDir: string;
  fixturesDir: string;
  fixturePatients: number;
  fixtureSeed: number;
  maxBodyBytes: number;
  issuer: string;
  jwksUrl: string;
  /** Origins of other gateways whose FHIR bases this authorization server issues tokens for (TRUSTED_GATEWAYS). */
  trustedGateways: string[];
  accessTokenTtl: number;
  refreshTokenTtl: number;
  devPassword: string;
  mode: 'development' | 'production';
  demoFeedSeconds: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = schema.safeParse(env);
  const problems = [...retired(env), ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`))];
  if (!parsed.success || problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  const e = parsed.data;
  const baseUrl = (e.PUBLIC_BASE_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/$/, '');
  const issuer = (e.OIDC_ISSUER ?? `${baseUrl}/oidc`).replace(/\/$/, '');
  return {
    host: e.HOST,
    port: e.PORT,
    baseUrl,
    dataDir: e.DATA_DIR,
    keysDir: e.KEYS_DIR,
    fixturesDir: e.FIXTURES_DIR,
    fixturePatients: e.FIXTURE_PATIENTS,
    fixtureSeed: e.FIXTURE_SEED,
    maxBodyBytes: e.MAX_BODY_BYTES,
    issuer,
    jwksUrl: e.OIDC_JWKS_URL ?? `${issuer}/jwks`,
    trustedGateways: e.TRUSTED_GATEWAYS.map((o) => o.replace(/\/$/, '')),
    accessTokenTtl: e.ACCESS_TOKEN_TTL,
    refreshTokenTtl: e.REFRESH_TOKEN_TTL,
    devPassword: e.DEV_PASSWORD,
    mode: e.GATEWAY_ENV,
    demoFeedSeconds: e.DEMO_FEED_SECONDS,
  };
}

/**
 * Settings that no longer do anything, and what replaced them. Start-up refuses while one is set
 * rather than warn: whoever set it believes it is in force. LIFETIME_EPSILON especially: an
 * operator who set it to 5 believes releases past 5 are refused, and a warning scrolls away
 * while that belief stays. Unsetting it is a one-line fix, and nothing is lost by the refusal.
 */
function retired(env: Record<string, string | undefined>): string[] {
  return env['LIFETIME_EPSILON'] !== undefined
    ? [
        'LIFETIME_EPSILON: the privacy budget is no longer read from the environment. It is stored with the data (bound at the first release from policies/privacy-budget.json); see it with `npm run budget -- show` and change it with `npm run budget -- set <epsilon> --reason "..." --operator <name>`. Unset LIFETIME_EPSILON and try again.',
      ]
    : [];
}

/** Settings that are fine on a laptop and wrong in production, said out loud. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.mode === 'development') {
    warnings.push(
      'Development mode (GATEWAY_ENV): synthetic data, fixture accounts with a documented password, and a token helper. Never expose this deployment.',
    );
  }
  return warnings;
}
