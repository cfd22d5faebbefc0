import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { Public } from '@app/security/access.decorator';
import { CatalogStore } from '@app/storage/ports/catalog.store';
import { StorageService } from '@app/storage/storage.service';
import { LifecycleService } from '@app/health/lifecycle.service';

type CheckResult = { status: 'up' } | { status: 'down'; reason: string };

async function check(probe: () => Promise<void>): Promise<CheckResult> {
  try {
    await probe();
    return { status: 'up' };
  } catch (error) {
    return { status: 'down', reason: (error as Error).message };
  }
}

@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller()
export class HealthController {
  constructor(
    private readonly catalog: CatalogStore,
    private readonly storage: StorageService,
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
      return { status: 'draining' };
    }
    const stores = this.storage.stores();
    const [catalog, ...engines] = await Promise.all([check(() => this.catalog.ping()), ...stores.map((s) => check(() => s.ping()))]);
    const ready = catalog.status === 'up' && engines.every((e) => e.status === 'up');
    response.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not ready', checks: { catalog, storage: engines } };
  }
}
