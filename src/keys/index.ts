export { keyRing, type KeyRing } from './rotation.js';
export { generateSigningKey, publicJwks, SIGNING_ALG, type SigningKey } from './signing-keys.js';
