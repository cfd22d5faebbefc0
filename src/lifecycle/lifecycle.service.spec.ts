import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '@app/common/domain-error';
import { LifecycleService } from '@app/lifecycle/lifecycle.service';

function call(lifecycle: LifecycleService, path: string) {
  const headers: Record<string, string> = {};
  const response = { setHeader: (name: string, value: string) => (headers[name] = value) } as unknown as Response;
  const next = jest.fn() as jest.MockedFunction<NextFunction>;
  lifecycle.middleware({ path } as Request, response, next);
  return { headers, error: next.mock.calls[0]?.[0] as unknown };
}

describe('LifecycleService', () => {
  it('serves normally, then with Connection: close while draining, then refuses with SHUTTING_DOWN (probes excepted)', () => {
    const lifecycle = new LifecycleService();
    expect(call(lifecycle, '/api/v1/queues')).toEqual({ headers: {}, error: undefined });
    lifecycle.startDrain();
    expect(call(lifecycle, '/api/v1/queues')).toEqual({ headers: { Connection: 'close' }, error: undefined });
    lifecycle.stopAccepting();
    const refused = call(lifecycle, '/api/v1/queues');
    expect(refused.error).toBeInstanceOf(DomainError);
    expect((refused.error as DomainError).code).toBe('SHUTTING_DOWN');
    expect(call(lifecycle, '/readyz').error).toBeUndefined();
  });
});
