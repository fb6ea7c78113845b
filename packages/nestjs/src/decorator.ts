import type { Decision } from '@esper/core';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/**
 * The request's decision as a handler parameter, on either platform:
 * `@Get() hello(@EsperDecision() decision?: Decision)`.
 */
export const EsperDecision = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Decision | undefined =>
    (ctx.switchToHttp().getRequest() as { esper?: Decision }).esper,
);
