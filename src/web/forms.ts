import { html } from 'hono/html';

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
