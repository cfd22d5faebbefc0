import { Controller, Get, HttpCode, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult, type HealthIndicatorFunction } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { Public } from '@app/security/access.decorator';
import { ReadinessIndicators } from '@app/health/readiness.indicators';

/**
 * Readiness covers only what every request needs: this process not draining and the catalog.
 * A queue whose own database is down answers 503 on its own routes instead (see StorageService).
 */
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: ReadinessIndicators,
  ) {}

  @Get('healthz')
  @HttpCode(200)
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** terminus's body (`status`, `info`, `error`, `details`), 503 when an indicator is down; a draining process does not ping the catalog */
  @Get('readyz')
  @HealthCheck({ swaggerDocumentation: false })
  async readyz(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    const checks: HealthIndicatorFunction[] = [() => this.readiness.lifecycleState()];
    if (!this.readiness.draining) checks.push(() => this.readiness.catalogReachable());
    try {
      return await this.health.check(checks);
    } catch (error) {
      // the global filter would turn terminus's 503 into the API's error envelope
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
