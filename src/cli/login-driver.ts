/**
 * A minimal browser stand-in for driving the login pages from a script or a test: it keeps cookies, follows
 * redirects by hand, and submits the page's forms. Just enough HTTP for the OAuth code flow.
 */
export class UserAgent {
  private readonly cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(cookie) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** Follows redirects until one points at `stopAt` (returned, not fetched) or a page answers. */
  async follow(url: string, stopAt: string, init: RequestInit = {}): Promise<{ url: string; response?: Response }> {
    let current = url;
    let res = await this.fetch(current, init);
    for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
      const next = new URL(res.headers.get('location')!, current).href;
      if (next.startsWith(stopAt)) return { url: next };
      current = next;
      res = await this.fetch(current);
    }
    return { url: current, response: res };
  }

  async submit(pageUrl: string, html: string, action: RegExp, fields: Record<string, string>, stopAt: string) {
    const match = new RegExp(`<form method="post" action="([^"]*${action.source}[^"]*)"`).exec(html);
    if (!match) throw new Error(`no form matching ${action} in:\n${html}`);
    const target = new URL(match[1]!, pageUrl).href;
    return this.follow(target, stopAt, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

export const REDIRECT_URI = 'http://127.0.0.1/callback';

/**
 * Signs in through the real login and approval pages and returns the callback URL with the
 * code. `approve: false` stops at the approval page.
 */
export async function signIn(authorizationUrl: URL, username: string, password: string, agent = new UserAgent()) {
  const login = await agent.follow(authorizationUrl.href, REDIRECT_URI);
  if (!login.response) return { callback: login.url, agent };
  const loginHtml = await login.response.text();
  const afterLogin = await agent.submit(login.url, loginHtml, /\/login/, { username, password }, REDIRECT_URI);
  if (!afterLogin.response || afterLogin.response.status !== 200) return { callback: afterLogin.url, agent, response: afterLogin.response };
  const consentHtml = await afterLogin.response.text();
  if (!/Approve access/.test(consentHtml)) return { callback: afterLogin.url, agent, response: afterLogin.response, html: consentHtml };
  const done = await agent.submit(afterLogin.url, consentHtml, /\/confirm/, {}, REDIRECT_URI);
  return { callback: done.url, agent, consentHtml };
}
