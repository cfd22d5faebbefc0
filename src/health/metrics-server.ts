import { createHash, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { DomainError } from '@app/common/domain-error';
import { toErrorBody } from '@app/common/domain-error.filter';
import type { AppConfig } from '@app/config/app.config';
import { InjectConfig } from '@app/config/config.tokens';
import { MetricsService } from '@app/health/metrics.service';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Whether an Authorization header carries the METRICS_TOKEN bearer (always, when no token is set). */
export function metricsTokenAccepted(expected: string | null, authorization: string | undefined): boolean {
  if (expected === null) return true;
  const presented = /^Bearer +(\S+)$/i.exec(authorization ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(digest(presented), digest(expected));
}

/**
 * The Prometheus scrape: on PORT (the MetricsController) or, with METRICS_PORT, on a listener of
 * its own that answers nothing else, so /metrics can stay off the port an ingress exposes.
 */
@Injectable()
export class MetricsServer implements OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: http.Server | null = null;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  get contentType(): string {
    return this.metrics.registry.contentType;
  }

  /** The exposition text; UNAUTHENTICATED without the METRICS_TOKEN bearer. */
  async scrape(authorization: string | undefined): Promise<string> {
    if (!metricsTokenAccepted(this.config.metricsToken, authorization)) {
      throw new DomainError('UNAUTHENTICATED', 'GET /metrics needs the bearer token set in METRICS_TOKEN');
    }
    return this.metrics.scrape();
  }

  /** Starts the separate listener (METRICS_PORT; tests pass 0) and returns its address. */
  async listen(port: number, host?: string): Promise<AddressInfo> {
    const server = http.createServer((request, response) => void this.answer(request, response));
    server.headersTimeout = 10_000;
    server.requestTimeout = 15_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return server.address() as AddressInfo;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async answer(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    try {
      const path = (request.url ?? '').split('?')[0];
      if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
        throw new DomainError('ROUTE_NOT_FOUND', `Cannot ${request.method} ${path}: this port serves GET /metrics only`);
      }
      const body = await this.scrape(request.headers.authorization);
      response.writeHead(200, { 'Content-Type': this.contentType, 'Cache-Control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch (error) {
      const body = toErrorBody(error);
      if (body.statusCode >= 500) this.logger.error({ err: error as Error }, 'metrics scrape failed');
      if (body.statusCode === 401) response.setHeader('WWW-Authenticate', 'Bearer');
      response.writeHead(body.statusCode, { 'Content-Type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(body));
    }
  }
}
