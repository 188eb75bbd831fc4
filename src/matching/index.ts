export { decideLink, type Link } from './link.js';
export { demographicKey, matchKeys, type MatchKey } from './match-keys.js';
export { normaliseGiven, normaliseName, normaliseZip } from './normalise.js';
