import type { MiddlewareHandler } from 'hono';
import { html } from 'hono/html';
import { page, type Area } from './layout.js';

/**
 * Field-level errors for server-rendered forms: the message sits next to the field it is about,
 * the field is marked invalid and points at it (aria-describedby), and what the person typed is
 * put back. Pages work without JavaScript, so this is the only validation feedback there is.
 */
export type FieldErrors = Readonly<Record<string, string>>;

/** The attributes of an input with this id: aria-invalid and aria-describedby when it has an error. */
export function fieldAttrs(errors: FieldErrors | undefined, id: string) {
  const e = errors?.[id];
  return e ? html` aria-invalid="true" aria-describedby="${id}-error"` : '';
}

/** The message under a field, or nothing. */
export function fieldError(errors: FieldErrors | undefined, id: string) {
  const e = errors?.[id];
  return e ? html`<p class="field-error" id="${id}-error">${e}</p>` : '';
}

/** A summary at the top of a refused form, so a screen reader hears at once that nothing was done. */
export function formRefused(errors: FieldErrors | undefined) {
  if (!errors || Object.keys(errors).length === 0) return '';
  return html`<p class="error" role="alert">Nothing was changed. Please correct the ${Object.keys(errors).length === 1 ? 'field' : 'fields'} marked below.</p>`;
}

/**
 * Refuses, before any handler runs, a form post whose body cannot be read (a broken multipart
 * body, say): a 400 page that says nothing was changed, never the 500 a parse error would
 * become. The parsed form is cached by hono, so handlers read it again for free.
 */
export function readableForms(area: Area): MiddlewareHandler {
  return async (c, next) => {
    const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (c.req.method === 'POST' && (type === 'multipart/form-data' || type === 'application/x-www-form-urlencoded')) {
      try {
        await c.req.parseBody();
      } catch {
        return c.html(
          page({
            title: 'Form not read',
            area,
            body: html`<h1>Nothing was changed</h1>
              <p class="error" role="alert">This form could not be read. Please go back and try again.</p>`,
          }),
          400,
        );
      }
    }
    await next();
  };
}
