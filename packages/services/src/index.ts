/**
 * @packageDocumentation
 * @module services
 */

export * from './api';
export * from './tokens';
export * from './gpu';
export * from './ui';
