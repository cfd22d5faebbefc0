import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '@app/security/principal';

/** The authenticated caller of the request. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest<{ user: Principal }>().user;
});
