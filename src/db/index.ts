export type { Database, Orm, Statement } from './database.js';
export { createQueue } from './database.js';
export * from './schema.js';
