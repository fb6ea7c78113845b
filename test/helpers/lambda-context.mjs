// The Lambda context object for every test that invokes a handler (the example's, the
// conformance, routing and spoofing targets, packages/lambda's unit tests). It is written once,
// in the Lambda example, whose `npm run invoke` needs it and must run without this repo around it.
export { lambdaContext } from '../../examples/lambda/scripts/events.mjs';
