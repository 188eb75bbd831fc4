import { expect } from 'vitest';
import { UserAgent } from '../../src/cli/login-driver.js';
import type { Gateway } from '../helpers/gateway.js';

export const PASSWORD = 'consent-gateway-dev';

/** Signs in through the area's own /login, the real login and approval pages, and its /callback. */
export async function signInTo(gw: Gateway, area: string, username: string, agent = new UserAgent()): Promise<UserAgent> {
  const callback = `${gw.base}${area}/callback`;
  const login = await agent.follow(`${gw.base}${area}/login`, callback);
  const consent = await agent.submit(login.url, await login.response!.text(), /\/login/, { username, password: PASSWORD }, callback);
  const done = consent.url.startsWith(callback) ? consent : await agent.submit(consent.url, await consent.response!.text(), /\/confirm/, {}, callback);
  const back = await agent.fetch(done.url);
  expect(back.status).toBe(302);
  return agent;
}

export const page = async (gw: Gateway, agent: UserAgent, path: string) => {
  const r = await agent.fetch(`${gw.base}${path}`);
  return { status: r.status, text: await r.text() };
};
export const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
export const post = (gw: Gateway, agent: UserAgent, path: string, fields: Record<string, string>) =>
  agent.fetch(`${gw.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
export const words = (html: string) =>
  html
    .replace(/<style[\s\S]*?<\/style>|<script[\s\S]*?<\/script>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
