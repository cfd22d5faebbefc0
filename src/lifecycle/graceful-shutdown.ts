import type { Server } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import { LifecycleService } from '@app/lifecycle/lifecycle.service';

/** The part of the Nest application the shutdown drives. */
export interface ShutdownTarget {
  get(token: typeof LifecycleService): LifecycleService;
  getHttpServer(): Server;
  close(): Promise<void>;
}

export interface ShutdownSettings {
  /** keep serving this long after the signal (readiness already 503) so endpoints update */
  delaySeconds: number;
  /** bound for in-flight requests and running handlers */
  graceSeconds: number;
  /** extra time for closing stores after the grace, before the exit is forced */
  marginSeconds?: number;
  logger: LoggerService;
  exit: (code: number) => void;
}

/**
 * SIGTERM/SIGINT: readiness 503 at once → after `delaySeconds` the server stops accepting
 * connections → `app.close()` (the dispatcher lets running handlers finish and releases the
 * rest, in-flight requests complete, stores close) → exit 0. A second signal, a failure, or
 * the whole drain taking longer than delay + grace + margin exits with 1 and says why.
 */
export class GracefulShutdown {
  private stopping = false;

  constructor(
    private readonly app: ShutdownTarget,
    private readonly settings: ShutdownSettings,
  ) {}

  install(signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): void {
    for (const signal of signals) process.on(signal, () => this.handle(signal));
  }

  handle(signal: string): void {
    const { logger, exit, delaySeconds, graceSeconds, marginSeconds = 5 } = this.settings;
    if (this.stopping) {
      logger.error(`${signal} received again during the drain: exiting now, work still running is abandoned`);
      exit(1);
      return;
    }
    this.stopping = true;
    const lifecycle = this.app.get(LifecycleService);
    lifecycle.startDrain();
    logger.log(`${signal} received: readiness is 503; serving for ${delaySeconds}s more, then draining for up to ${graceSeconds}s`);
    const bound = (delaySeconds + graceSeconds + marginSeconds) * 1000;
    const forced = setTimeout(() => {
      logger.error(`drain did not finish within ${bound / 1000}s: forcing exit`);
      exit(1);
    }, bound);
    forced.unref();
    this.drain(lifecycle, delaySeconds).then(
      () => {
        clearTimeout(forced);
        logger.log('drained: exiting');
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(forced);
        logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        exit(1);
      },
    );
  }

  private async drain(lifecycle: LifecycleService, delaySeconds: number): Promise<void> {
    if (delaySeconds > 0) await new Promise((resolve) => setTimeout(resolve, delaySeconds * 1000));
    // no new connections from here; idle keep-alive connections are closed, busy ones finish
    lifecycle.stopAccepting(this.app.getHttpServer());
    await this.app.close();
  }
}
