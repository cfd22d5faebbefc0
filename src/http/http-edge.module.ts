import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { APP_CONFIG } from '@app/config/config.tokens';
import { RateLimitGuard, throttlerOptions } from '@app/http/rate-limit.guard';

/**
 * The HTTP edge: Nest's logs on the process logger and per-subject rate limiting. Import it after
 * SecurityModule: global guards run in registration order, and the rate limit needs the subject.
 */
@Module({})
export class HttpEdgeModule {
  /**
   * `logger` is the one bootstrap builds (createLogger) and whose request log it mounts first.
   * nestjs-pino gets no routes: its per-request middleware would open an AsyncLocalStorage scope
   * for every request, which slows every promise of the process (see docs/benchmarks.md).
   */
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: HttpEdgeModule,
      imports: [
        LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true, forRoutes: [] }),
        ThrottlerModule.forRootAsync({ inject: [APP_CONFIG], useFactory: throttlerOptions }),
      ],
      providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
    };
  }
}
