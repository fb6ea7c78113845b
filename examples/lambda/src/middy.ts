// The same protection as a Middy middleware, here behind a REST API (payload 1.0).
import { esperMiddleware } from '@esper/lambda';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

export const handler = middy(
  async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      hello: event.path,
      decision: event.headers['x-esper-decision'],
      decisionId: event.headers['x-esper-decision-id'],
    }),
  }),
)
  // First: a block or challenge returns early and skips the handler and every later middleware.
  .use(esperMiddleware());
