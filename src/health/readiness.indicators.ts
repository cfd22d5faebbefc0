import { Injectable, Logger } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { scrubUrlCredentials } from '@app/common/secrets';
import { CatalogStore } from '@app/storage/ports/catalog.store';
import { LifecycleService } from '@app/lifecycle/lifecycle.service';

/**
 * The terminus indicators of readiness. Probes are unauthenticated, so a down indicator carries
 * a stable code only; the reason goes to the log, once per change.
 */
@Injectable()
export class ReadinessIndicators {
  private readonly logger = new Logger('Health');
  private catalogDown = false;

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly catalog: CatalogStore,
    private readonly lifecycle: LifecycleService,
  ) {}

  get draining(): boolean {
    return this.lifecycle.draining;
  }

  lifecycleState(): HealthIndicatorResult<'lifecycle'> {
    const indicator = this.indicators.check('lifecycle');
    return this.lifecycle.draining ? indicator.down({ code: 'SHUTTING_DOWN' }) : indicator.up();
  }

  async catalogReachable(): Promise<HealthIndicatorResult<'catalog'>> {
    const indicator = this.indicators.check('catalog');
    try {
      await this.catalog.ping();
    } catch (error) {
      if (!this.catalogDown) this.logger.warn(`not ready: the catalog does not answer: ${reason(error)}`);
      this.catalogDown = true;
      return indicator.down({ code: 'STORAGE_UNAVAILABLE' });
    }
    if (this.catalogDown) this.logger.log('ready: the catalog answers again');
    this.catalogDown = false;
    return indicator.up();
  }
}

function reason(error: unknown): string {
  return scrubUrlCredentials(error instanceof Error ? error.message : String(error));
}
