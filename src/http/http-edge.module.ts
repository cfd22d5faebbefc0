import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import type { HttpLogger } from 'pino-http';
import { APP_CONFIG } from '@app/config/config.tokens';
import { RateLimitGuard, throttlerOptions } from '@app/http/rate-limit.guard';
import { RequestContextInterceptor } from '@app/http/request-context.interceptor';

/**
 * The HTTP edge: structured request logs and per-subject rate limiting. Import it after
 * SecurityModule: global guards run in registration order, and the rate limit needs the subject.
 */
@Module({})
export class HttpEdgeModule {
  /** `requestLogger` is the pino-http middleware that bootstrap mounts first (see createRequestLogger). */
  static forRoot(requestLogger: HttpLogger): DynamicModule {
    return {
      module: HttpEdgeModule,
      imports: [
        LoggerModule.forRoot({ pinoHttp: { logger: requestLogger.logger }, useExisting: true }),
        ThrottlerModule.forRootAsync({ inject: [APP_CONFIG], useFactory: throttlerOptions }),
      ],
      providers: [
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_INTERCEPTOR, useClass: RequestContextInterceptor },
      ],
    };
  }
}
