import { Controller, Get, Header, Headers, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { DomainError } from '@app/common/domain-error';
import type { AppConfig } from '@app/config/app.config';
import { InjectConfig } from '@app/config/config.tokens';
import { Public } from '@app/security/access.decorator';
import { MetricsServer } from '@app/health/metrics-server';

@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly metrics: MetricsServer,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() response: Response): Promise<void> {
    if (this.config.metricsPort !== null) throw new DomainError('ROUTE_NOT_FOUND', 'Cannot GET /metrics: served on METRICS_PORT');
    const body = await this.metrics.scrape(authorization);
    response.type(this.metrics.contentType).send(body);
  }
}
