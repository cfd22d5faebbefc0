import { Controller, Get, HttpCode, Logger, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { Public } from '@app/security/access.decorator';
import { CatalogStore } from '@app/storage/ports/catalog.store';
import { scrubUrlCredentials } from '@app/common/secrets';
import { LifecycleService } from '@app/health/lifecycle.service';

/**
 * Readiness covers only what every request needs: the catalog and this process not draining.
 * A queue whose own database is down answers 503 on its own routes instead (see StorageService).
 * Probes are unauthenticated, so they carry a status and a stable code; reasons go to the log.
 */
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller()
export class HealthController {
  private readonly logger = new Logger('Health');
  private catalogDown = false;

  constructor(
    private readonly catalog: CatalogStore,
    private readonly lifecycle: LifecycleService,
  ) {}

  @Get('healthz')
  @HttpCode(200)
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(@Res({ passthrough: true }) response: Response): Promise<Record<string, unknown>> {
    if (this.lifecycle.draining) {
      response.status(503);
      return { status: 'draining', code: 'SHUTTING_DOWN' };
    }
    try {
      await this.catalog.ping();
    } catch (error) {
      if (!this.catalogDown) this.logger.warn(`not ready: the catalog does not answer: ${reason(error)}`);
      this.catalogDown = true;
      response.status(503);
      return { status: 'not ready', checks: { catalog: { status: 'down', code: 'STORAGE_UNAVAILABLE' } } };
    }
    if (this.catalogDown) this.logger.log('ready: the catalog answers again');
    this.catalogDown = false;
    return { status: 'ready', checks: { catalog: { status: 'up' } } };
  }
}

function reason(error: unknown): string {
  return scrubUrlCredentials(error instanceof Error ? error.message : String(error));
}
