export * from './states.js';
export * from './runner.js';
export * from './refs.js';
export * from './enums.js';
export * from './limits.js';
export * from './messages.js';
export * from './errors.js';
