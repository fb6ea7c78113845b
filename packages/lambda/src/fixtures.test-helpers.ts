import { readFileSync } from 'node:fs';
import type { HttpEvent } from './events.js';

/** A fresh copy of one of the aws/aws-lambda-go samples in test/fixtures/aws-lambda-go. */
export function fixture(
  name: 'apigw-request' | 'apigw-v2-request-no-authorizer' | 'alb-lambda-target-request',
): HttpEvent & Record<string, unknown> {
  const url = new URL(`../../../test/fixtures/aws-lambda-go/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8'));
}

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

export function lambdaContext() {
  const deadline = Date.now() + 10_000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'unit',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:unit',
    memoryLimitInMB: '256',
    awsRequestId: crypto.randomUUID(),
    logGroupName: '/aws/lambda/unit',
    logStreamName: '2026/11/22/[$LATEST]00000000000000000000000000000000',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}
