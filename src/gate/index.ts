/** The gate: the only way patient data leaves the gateway. */
export { createGate, type Gate } from './gate.js';
export type { GateDeps } from './context.js';
export type { AccessExplanation, ClassAccess } from './access.js';
export type { Found, Row } from './search.js';
export type { AccountingCursor, AccountingPage } from './accounting.js';
export type { StoredVersion } from './versions.js';
export type { ExportLevel, ExportSnapshot } from './rosters.js';
export type { HistoryPage } from './read.js';
export type { ConsentLine } from '../consent/compile.js';
export { DIRECTORY_TYPES } from './scope.js';
export type { NotificationEvent, NotificationRelease, NotificationVerdict } from './notify.js';
export type { DigestEntry } from './digest.js';
export type { TheirGrant } from './break-glass-reviews.js';
export type { ReviewRefusal } from '../consent/break-glass-review.js';
export type { Reason } from '../consent/decide.js';
