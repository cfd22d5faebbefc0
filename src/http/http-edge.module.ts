import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG } from '@app/config/config.tokens';
import { RateLimitGuard, throttlerOptions } from '@app/http/rate-limit.guard';

/**
 * The HTTP edge: per-subject rate limiting. Import it after SecurityModule: global guards run in
 * registration order, and the rate limit needs the subject. (The request log and Nest's own log
 * lines are set up by bootstrap on the process logger: `requestLog`, `PinoNestLogger`.)
 */
@Module({
  imports: [ThrottlerModule.forRootAsync({ inject: [APP_CONFIG], useFactory: throttlerOptions })],
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class HttpEdgeModule {}
