// The runtime module every Durable Object class extends. Declared here, narrowly, because the
// project type-checks against Node's globals (tsconfig "types": ["node"]) and
// @cloudflare/workers-types' ambient declarations would replace them.
declare module 'cloudflare:workers' {
  import type { DurableObjectState } from '@cloudflare/workers-types';
  export abstract class DurableObject<Env = unknown> {
    protected ctx: DurableObjectState;
    protected env: Env;
    constructor(ctx: DurableObjectState, env: Env);
  }
}
