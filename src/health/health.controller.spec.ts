import { Test } from '@nestjs/testing';
import { TerminusModule } from '@nestjs/terminus';
import type { Response } from 'express';
import { HealthController } from '@app/health/health.controller';
import { LifecycleService } from '@app/lifecycle/lifecycle.service';
import { ReadinessIndicators } from '@app/health/readiness.indicators';
import { CatalogStore } from '@app/storage/ports/catalog.store';

describe('HealthController /readyz (terminus)', () => {
  const ping = jest.fn<Promise<void>, []>();
  let controller: HealthController;
  let lifecycle: LifecycleService;

  beforeEach(async () => {
    ping.mockReset().mockResolvedValue(undefined);
    const module = await Test.createTestingModule({
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [LifecycleService, ReadinessIndicators, { provide: CatalogStore, useValue: { ping } }],
    }).compile();
    controller = module.get(HealthController);
    lifecycle = module.get(LifecycleService);
  });

  async function readyz(): Promise<{ status: number; body: unknown }> {
    let status = 200;
    const response = { status: (code: number) => (status = code) } as unknown as Response;
    const body = await controller.readyz(response);
    return { status, body };
  }

  it('is 200 with every indicator up', async () => {
    expect(await readyz()).toEqual({
      status: 200,
      body: {
        status: 'ok',
        info: { lifecycle: { status: 'up' }, catalog: { status: 'up' } },
        error: {},
        details: { lifecycle: { status: 'up' }, catalog: { status: 'up' } },
      },
    });
  });

  it('is 503 with a stable code and no reason when the catalog does not answer', async () => {
    ping.mockRejectedValue(new Error('connect ECONNREFUSED postgres://app:hunter2@db:5432/app'));
    const { status, body } = await readyz();
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 'error', error: { catalog: { status: 'down', code: 'STORAGE_UNAVAILABLE' } } });
    expect(JSON.stringify(body)).not.toMatch(/hunter2|ECONNREFUSED/);
  });

  it('is 503 SHUTTING_DOWN once the drain starts, without pinging the catalog', async () => {
    lifecycle.startDrain();
    expect(await readyz()).toEqual({
      status: 503,
      body: {
        status: 'error',
        info: {},
        error: { lifecycle: { status: 'down', code: 'SHUTTING_DOWN' } },
        details: { lifecycle: { status: 'down', code: 'SHUTTING_DOWN' } },
      },
    });
    expect(ping).not.toHaveBeenCalled();
  });

  it('answers /healthz', () => {
    expect(controller.healthz()).toEqual({ status: 'ok' });
  });
});
