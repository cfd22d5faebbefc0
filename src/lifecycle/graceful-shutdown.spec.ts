import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { GracefulShutdown, type ShutdownTarget } from '@app/lifecycle/graceful-shutdown';
import { LifecycleService } from '@app/lifecycle/lifecycle.service';

function target(close: () => Promise<void>) {
  const lifecycle = new LifecycleService();
  const server = Object.assign(new EventEmitter(), { listening: true, close: jest.fn((cb?: () => void) => cb?.()) });
  const app: ShutdownTarget = { get: () => lifecycle, getHttpServer: () => server as unknown as Server, close: jest.fn(close) };
  const logger = { log: jest.fn(), error: jest.fn(), warn: jest.fn() };
  const exit = jest.fn();
  return { lifecycle, server, app, logger, exit };
}

describe('GracefulShutdown', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('turns readiness off at once, keeps accepting during the delay, then closes the server and the app and exits 0', async () => {
    const t = target(async () => undefined);
    new GracefulShutdown(t.app, { delaySeconds: 5, graceSeconds: 20, logger: t.logger, exit: t.exit }).handle('SIGTERM');
    expect(t.lifecycle.draining).toBe(true);
    await jest.advanceTimersByTimeAsync(4_900);
    expect(t.server.close).not.toHaveBeenCalled();
    expect(t.app.close).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(200);
    expect(t.server.close).toHaveBeenCalledTimes(1);
    expect(t.app.close).toHaveBeenCalledTimes(1);
    expect(t.exit).toHaveBeenCalledWith(0);
    expect(t.exit).toHaveBeenCalledTimes(1);
  });

  it('forces exit 1 with a log line when the drain exceeds delay + grace + margin', async () => {
    const t = target(() => new Promise<void>(() => undefined));
    new GracefulShutdown(t.app, { delaySeconds: 1, graceSeconds: 2, marginSeconds: 1, logger: t.logger, exit: t.exit }).handle('SIGTERM');
    await jest.advanceTimersByTimeAsync(3_900);
    expect(t.exit).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(200);
    expect(t.exit).toHaveBeenCalledWith(1);
    expect(t.logger.error).toHaveBeenCalledWith(expect.stringContaining('forcing exit'));
  });

  it('exits 1 at once on a second signal, and when closing fails', async () => {
    const slow = target(() => new Promise<void>(() => undefined));
    const shutdown = new GracefulShutdown(slow.app, { delaySeconds: 0, graceSeconds: 20, logger: slow.logger, exit: slow.exit });
    shutdown.handle('SIGTERM');
    shutdown.handle('SIGINT');
    expect(slow.exit).toHaveBeenCalledWith(1);
    expect(slow.logger.error).toHaveBeenCalledWith(expect.stringContaining('SIGINT received again'));

    const failing = target(async () => {
      throw new Error('store did not close');
    });
    new GracefulShutdown(failing.app, { delaySeconds: 0, graceSeconds: 20, logger: failing.logger, exit: failing.exit }).handle('SIGTERM');
    await jest.advanceTimersByTimeAsync(0);
    expect(failing.exit).toHaveBeenCalledWith(1);
    expect(failing.logger.error).toHaveBeenCalledWith('shutdown failed: store did not close');
  });
});
