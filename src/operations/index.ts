/** The operator console's reads and actions, each taking a verified Operator. */
export { operatorOf, type Operator } from './operator.js';
export { operationsDeps, type OperationsDeps } from './deps.js';
export { chainStatus, verifyOnDemand, type ChainStatus } from './chain.js';
export { describeProblem } from '../audit/verify.js';
export { parseFinding, NOTE_MAX, type Finding } from './finding.js';
export { recordFinding, reviewQueue } from './reviews.js';
export { demographicLinks, ingestionRuns, type IngestionRun, type WeakLink } from './ingestion.js';
export { releaseOverview, type ReleaseOverview } from './releases.js';
