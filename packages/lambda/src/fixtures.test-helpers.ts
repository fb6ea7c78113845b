import { readFileSync } from 'node:fs';
import { lambdaContext as sharedLambdaContext } from '../../../test/helpers/lambda-context.mjs';
import type { HttpEvent } from './events.js';

/** A fresh copy of one of the aws/aws-lambda-go samples in test/fixtures/aws-lambda-go. */
export function fixture(
  name: 'apigw-request' | 'apigw-v2-request-no-authorizer' | 'alb-lambda-target-request',
): HttpEvent & Record<string, unknown> {
  const url = new URL(`../../../test/fixtures/aws-lambda-go/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8'));
}

/** Events that are not HTTP requests for the handler: test/fixtures/aws-lambda-go/SOURCE.md. */
export const OTHER_EVENTS = [
  'apigw-custom-auth-request',
  'apigw-custom-auth-request-type-request',
  'apigw-v2-custom-authorizer-v1-request',
  'apigw-v2-custom-authorizer-v2-request',
  'apigw-websocket-request',
  'apigw-websocket-request-send-message',
  'apigw-websocket-request-disconnect',
  'sqs-event',
  's3-event',
  'codebuild-state-change',
] as const;

/** A fresh copy of a sample in packages/lambda/test/fixtures/aws-lambda-go. */
export function sample(
  name:
    | (typeof OTHER_EVENTS)[number]
    | 'apigw-v2-request-lambda-authorizer'
    | 'apigw-v2-request-jwt-authorizer',
): HttpEvent & Record<string, unknown> {
  const url = new URL(`../test/fixtures/aws-lambda-go/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8'));
}

/** EventBridge Scheduler / a scheduled rule, as the Lambda developer guide shows it. */
export const SCHEDULED_EVENT = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2015-10-08T16:53:06Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule'],
  detail: {},
};

/** ALB sends one header map, by target group setting; the sample carries both. */
export function albEvent(multiValue: boolean): HttpEvent & Record<string, unknown> {
  const e = fixture('alb-lambda-target-request');
  if (multiValue) {
    delete e.headers;
    delete e.queryStringParameters;
    e.multiValueHeaders = { ...e.multiValueHeaders, 'x-forwarded-for': ['6.6.6.6, 72.21.198.66'] };
    delete e.multiValueHeaders['X-Forwarded-For'];
  } else {
    delete e.multiValueHeaders;
    delete e.multiValueQueryStringParameters;
  }
  return e;
}

/** The Lambda context the runtime passes, for a function named `unit`. */
export const lambdaContext = () => sharedLambdaContext('unit');
