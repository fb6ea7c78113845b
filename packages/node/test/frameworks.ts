// The frameworks the cross-adapter suites (test/) run, resolved from this package as in a
// user's app: they are this package's devDependencies, not the repository root's.
export { default as Router } from '@koa/router';
export { default as Koa } from 'koa';
export { default as polka } from 'polka';
