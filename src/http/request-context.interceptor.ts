import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Observable } from 'rxjs';
import { requestBindings } from '@app/http/logging';

/** Tags every log line written while a request is handled with its subject, queue and message id. */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  constructor(private readonly logger: PinoLogger) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const bindings = requestBindings(context.switchToHttp().getRequest());
      if (Object.keys(bindings).length) {
        try {
          this.logger.assign(bindings);
        } catch {
          // outside a request's logging context (nothing to tag)
        }
      }
    }
    return next.handle();
  }
}
