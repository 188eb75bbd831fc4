import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../app-env.js';

export const SESSION_COOKIE = 'cg_session';
export const LOGIN_COOKIE = 'cg_login';

/** HttpOnly, SameSite=Lax (the OAuth redirect back must carry it), Secure when served over https. */
export function setSecureCookie(c: Context<AppEnv>, name: string, value: string, maxAgeSeconds: number, path: string): void {
  setCookie(c, name, value, { httpOnly: true, sameSite: 'Lax', secure: c.var.deps.config.baseUrl.startsWith('https:'), path, maxAge: maxAgeSeconds });
}

export const cookieOf = (c: Context<AppEnv>, name: string) => getCookie(c, name);
export const clearCookie = (c: Context<AppEnv>, name: string, path: string) => deleteCookie(c, name, { path });
