/** Participants as data: organizations, backend clients and DUAs, registered by operators and read by the request path. */
export { ParticipantError } from './errors.js';
export { normalisePeriod, periodsOverlap, findOverlap } from './period.js';
export { checkJwks } from './jwks.js';
export { validateDuaLines, parseDuaCsv, duaRules, type DuaCsvGroup } from './dua-lines.js';
export { participantOps, REASON_MAX, type ParticipantOps, type OpsDeps, type StatusTarget } from './ops.js';
export { ParticipantRegistry } from './registry.js';
export { findClient, readParticipants } from './store.js';
export { changeAuditEvent, type ChangeAction } from './audit.js';
export { developmentSeed, fixtureParticipants, type SeedInput, type SeedOps } from './seed.js';
export * from './types.js';
