// One handler for an HTTP API (payload 2.0) and a Function URL, which send the same event shape.
import { withEsper } from '@esper/lambda';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

// At module scope: the options (ESPER_API_KEY, ESPER_API_SECRET from the function's environment)
// are checked during the cold start, and the runtime connection is reused by warm invocations.
export const handler = withEsper(
  async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    // Only allowed requests get here (every request, in monitor mode). Esper set these
    // headers; a client's own x-esper-* headers were removed.
    const decision = event.headers['x-esper-decision'];
    const decisionId = event.headers['x-esper-decision-id'];
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hello: event.rawPath, decision, decisionId }),
    };
  },
);
