/** A release that was not published, and why, in words the operator can act on. Nothing was written. */
export class PublishRefused extends Error {
  readonly code = 'publish-refused';
}
