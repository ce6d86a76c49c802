/**
 * @packageDocumentation
 * @module services
 */

export * from './api';
export * from './tokens';
export * from './gpu';
export type * from './schema';
export * from './ui';
