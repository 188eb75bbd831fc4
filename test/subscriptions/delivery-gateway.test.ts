import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { personToken } from '../helpers/gateway-tokens.js';

describe('the gateway process delivers notifications', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ patients: 5 });
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
  });

  it('says so at start, holds the delivery lease, shows operators its progress, and stops on SIGTERM', async () => {
    expect(gw.process.output()).toContain(
      `Notifications are delivered from the outbox by this process (progress for operators: ${gw.base}/admin/notifications)`,
    );
    expect((await fetch(`${gw.base}/admin/notifications`)).status).toBe(401);
    const token = await personToken(gw, 'alex');
    const res = await fetch(`${gw.base}/admin/notifications`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { deliverer: { holder: string } | null; outbox: { pending: number }; subscriptions: unknown[] };
    expect(body.deliverer?.holder).toBe(`gateway pid ${gw.process.child.pid}`);
    expect(body.subscriptions).toEqual([]);
    const exited = new Promise<number | null>((r) => gw.process.child.once('exit', (code) => r(code)));
    process.kill(-gw.process.child.pid!, 'SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
