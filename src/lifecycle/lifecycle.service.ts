import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Server } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '@app/common/domain-error';

const PROBES = /^\/(healthz|readyz)$/;

/**
 * Whether the process is shutting down. Readiness turns 503 as soon as a drain starts; requests
 * are still served (with `Connection: close`) until `stopAccepting`, after which any request that
 * still arrives on an open connection is refused with 503 SHUTTING_DOWN.
 */
@Injectable()
export class LifecycleService implements BeforeApplicationShutdown {
  private drainingSince: number | null = null;
  private refusing = false;
  private serverClosed: Promise<void> | null = null;

  startDrain(): void {
    this.drainingSince ??= Date.now();
  }

  /** Stops accepting connections; requests in flight finish (stores close only after them). */
  stopAccepting(server?: Server): void {
    this.startDrain();
    this.refusing = true;
    if (server?.listening && !this.serverClosed) {
      this.serverClosed = new Promise((resolve) => server.close(() => resolve()));
    }
  }

  /** Nest closes the stores in onApplicationShutdown, after this: in-flight requests must be done by then. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.serverClosed;
  }

  get draining(): boolean {
    return this.drainingSince !== null;
  }

  /** Express middleware applying the drain to HTTP requests. */
  readonly middleware = (request: Request, response: Response, next: NextFunction): void => {
    if (this.drainingSince === null) return next();
    response.setHeader('Connection', 'close');
    if (this.refusing && !PROBES.test(request.path)) {
      return next(new DomainError('SHUTTING_DOWN', 'Mailroom is shutting down; retry on another instance'));
    }
    next();
  };
}
