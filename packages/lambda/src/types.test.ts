import type {
  ALBHandler,
  APIGatewayProxyHandler,
  APIGatewayProxyHandlerV2,
  Context,
} from 'aws-lambda';
import { describe, expectTypeOf, it } from 'vitest';
import { withEsper } from './handler.js';

// Checked by `pnpm typecheck`: handlers typed with @types/aws-lambda fit withEsper as they are.
describe('types', () => {
  it('accepts handlers typed with @types/aws-lambda and keeps their types', () => {
    const rest: APIGatewayProxyHandler = async () => ({ statusCode: 200, body: '' });
    const http: APIGatewayProxyHandlerV2 = async () => ({ statusCode: 200, body: '' });
    const alb: ALBHandler = async () => ({ statusCode: 200 });
    const options = { apiKey: 'k', secret: 's', env: {} };
    const wrappedRest: APIGatewayProxyHandler = withEsper(rest, options);
    const wrappedHttp: APIGatewayProxyHandlerV2 = withEsper(http, options);
    const wrappedAlb: ALBHandler = withEsper(alb, options);
    expectTypeOf(withEsper(rest, options)).parameter(1).toEqualTypeOf<Context>();
    expectTypeOf(wrappedRest).toBeFunction();
    expectTypeOf(wrappedHttp).toBeFunction();
    expectTypeOf(wrappedAlb).toBeFunction();
  });
});
