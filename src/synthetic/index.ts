export type { GenerateOptions, NamedPerson, Region, SourceFile } from './types.js';
export { generateRegion } from './region.js';
export { SOURCES, type SourceDef } from './catalog.js';
