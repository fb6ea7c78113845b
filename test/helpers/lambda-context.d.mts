// Types for lambda-context.mjs, so the tests (TypeScript) can import it.
export interface LambdaContext {
  callbackWaitsForEmptyEventLoop: boolean;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  getRemainingTimeInMillis(): number;
  done(): void;
  fail(): void;
  succeed(): void;
}

/**
 * The context object the Lambda runtime passes to a handler.
 * @param functionName default `esper-example`
 * @param timeoutMs the function's timeout, what getRemainingTimeInMillis counts down; default 10 s
 */
export function lambdaContext(functionName?: string, timeoutMs?: number): LambdaContext;
