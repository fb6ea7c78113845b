import { type Decision, EsperDecision } from '@esper/nestjs';
import { Controller, Get } from '@nestjs/common';

@Controller()
export class AppController {
  @Get()
  hello(@EsperDecision() decision?: Decision) {
    // Only allowed requests get here (every request, in monitor mode).
    return { hello: 'world', decision: decision?.action, decisionId: decision?.decisionId };
  }
}
