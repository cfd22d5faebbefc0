import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';
import { AuthClientTokens, HandlerServiceError } from '@app/messages/handlers/auth-client-tokens';
import { readBounded } from '@app/messages/handlers/toolbox/bounded-body';
import { ConfigFolder } from '@app/messages/handlers/toolbox/config-folder';
import {
  HEADER_NAME,
  RESERVED_HEADERS,
  hostAndPort,
  isHostAllowed,
  isRestrictedAddress,
  parseIntegration,
  type IntegrationDefinition,
} from '@app/messages/handlers/toolbox/integration-definition';

export interface IntegrationRequest {
  method?: string;
  path?: string;
  query?: Record<string, unknown>;
  headers?: Record<string, unknown>;
  body?: unknown;
}

export interface IntegrationResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const PATH_MAX = 2048;
const HEADERS_MAX = 50;
const RETRY_STATUSES = [429, 502, 503, 504];
const BACKOFF_MAX_MS = 30_000;

function request(value: unknown): IntegrationRequest {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new HandlerServiceError('TypeError', 'the request must be an object {method, path, query, headers, body}');
  return value;
}

/**
 * `integrationService` and `serviceProvider` of handlers: named outbound HTTP services from
 * CONFIG_DIR/integrations/<name>.json, called with the configured auth, timeout, retries and
 * limits, only on hosts INTEGRATION_ALLOWED_HOSTS lists. Errors name the integration and host,
 * never a header value or a token.
 */
@Injectable()
export class IntegrationsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Integrations');
  private readonly folder: ConfigFolder<IntegrationDefinition>;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly tokens: AuthClientTokens,
  ) {
    this.folder = new ConfigFolder(path.join(config.configDir, 'integrations'), (raw, name) => this.parse(raw, name), this.logger);
  }

  onModuleInit(): void {
    this.folder.start();
  }

  onModuleDestroy(): void {
    this.folder.stop();
  }

  names(): string[] {
    return this.folder.names();
  }

  /** For tests and the harness: re-read the files now. */
  reload(): void {
    this.folder.reload();
  }

  async call(name: unknown, input: unknown, signal?: AbortSignal): Promise<IntegrationResponse> {
    if (typeof name !== 'string' || name === '') throw new HandlerServiceError('TypeError', 'the integration name must be a non-empty string');
    const integration = this.folder.get(name);
    if (!integration)
      throw new HandlerServiceError('IntegrationNotFound', `there is no integration named "${name.slice(0, 100)}" (config/integrations/<name>.json)`);
    const req = request(input);
    const method = (req.method ?? 'GET').toString().toUpperCase();
    if (!integration.allowedMethods.includes(method)) {
      throw new HandlerServiceError(
        'IntegrationMethodNotAllowed',
        `integration ${name} does not allow ${method.slice(0, 20)} (allowed: ${integration.allowedMethods.join(', ')})`,
      );
    }
    const url = this.url(integration, req);
    if (!isHostAllowed(url, this.config.toolbox.integrationAllowedHosts)) {
      const { host, port } = hostAndPort(url);
      throw new HandlerServiceError('IntegrationHostNotAllowed', `integration ${name}: ${host}:${port} is not in INTEGRATION_ALLOWED_HOSTS`);
    }
    const extra = this.headers(req.headers);
    await this.assertResolvesAllowed(integration, url);
    const headers = { ...integration.headers, ...extra, ...(await this.authHeader(integration)) };
    let body: string | undefined;
    if (req.body !== undefined && req.body !== null) {
      if (method === 'GET' || method === 'HEAD') throw new HandlerServiceError('TypeError', `a ${method} request has no body`);
      if (typeof req.body === 'string') body = req.body;
      else {
        try {
          body = JSON.stringify(req.body);
        } catch {
          throw new HandlerServiceError('TypeError', 'the body must be a string or JSON');
        }
        headers['content-type'] ??= 'application/json';
      }
    }
    const retries = integration.retries.methods.includes(method) ? integration.retries.attempts : 0;
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw new HandlerServiceError('IntegrationAborted', `integration ${name}: the handler has finished`);
      let outcome: IntegrationResponse | HandlerServiceError;
      try {
        outcome = await this.once(integration, url, method, headers, body, signal);
      } catch (error) {
        if (!(error instanceof HandlerServiceError)) throw error;
        outcome = error;
      }
      const retryable =
        outcome instanceof HandlerServiceError
          ? outcome.name === 'IntegrationUnreachable' || outcome.name === 'IntegrationTimeout'
          : RETRY_STATUSES.includes(outcome.status);
      if (!retryable || attempt >= retries) {
        if (outcome instanceof HandlerServiceError) throw outcome;
        return outcome;
      }
      const delay = Math.min(BACKOFF_MAX_MS, integration.retries.backoffMs * 2 ** attempt);
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        throw new HandlerServiceError('IntegrationAborted', `integration ${name}: the handler has finished`);
      }
    }
  }

  private parse(raw: unknown, name: string): IntegrationDefinition {
    const integration = parseIntegration(raw, name, this.config.handlerSecrets);
    if (!isHostAllowed(integration.baseUrl, this.config.toolbox.integrationAllowedHosts)) {
      const { host, port } = hostAndPort(integration.baseUrl);
      this.logger.warn({ integration: name, host, port }, 'integration host is not in INTEGRATION_ALLOWED_HOSTS; calls to it are refused');
    }
    return integration;
  }

  /** An allowed name must not resolve to a loopback, link-local or similar address that the allowlist does not name itself. */
  private async assertResolvesAllowed(integration: IntegrationDefinition, url: URL): Promise<void> {
    const { host, port } = hostAndPort(url);
    if (isIP(host.replace(/^\[|\]$/g, ''))) return;
    let addresses: { address: string; family: number }[];
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new HandlerServiceError(
        'IntegrationUnreachable',
        `integration ${integration.name} (${host}:${port}) cannot be reached${typeof code === 'string' ? ` (${code})` : ''}`,
      );
    }
    const allowed = this.config.toolbox.integrationAllowedHosts;
    for (const { address, family } of addresses) {
      const literal = family === 6 ? `[${address.toLowerCase()}]` : address;
      if (isRestrictedAddress(address) && !allowed.includes(literal) && !allowed.includes(`${literal}:${port}`)) {
        throw new HandlerServiceError(
          'IntegrationHostNotAllowed',
          `integration ${integration.name}: ${host} resolves to ${address}, which INTEGRATION_ALLOWED_HOSTS does not list`,
        );
      }
    }
  }

  private url(integration: IntegrationDefinition, req: IntegrationRequest): URL {
    const name = integration.name;
    const relative = req.path ?? '/';
    if (typeof relative !== 'string' || !relative.startsWith('/') || relative.length > PATH_MAX || /[\\?#\s\x00-\x1f\x7f]/.test(relative)) {
      throw new HandlerServiceError(
        'IntegrationPathNotAllowed',
        `integration ${name}: the path must start with / and have no query, fragment, backslash or spaces (use "query")`,
      );
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(relative);
    } catch {
      throw new HandlerServiceError('IntegrationPathNotAllowed', `integration ${name}: the path is not validly percent-encoded`);
    }
    if (decoded.split(/[/\\]/).some((segment) => segment === '..' || segment === '.') || relative.startsWith('//')) {
      throw new HandlerServiceError('IntegrationPathNotAllowed', `integration ${name}: the path must not contain . or .. segments`);
    }
    const allowed = integration.allowedPaths.some(
      (prefix) => prefix === '/' || relative === prefix || relative.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`),
    );
    if (!allowed) throw new HandlerServiceError('IntegrationPathNotAllowed', `integration ${name} does not allow the path ${relative.slice(0, 200)}`);
    const url = new URL(integration.baseUrl.href);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${relative}`;
    if (url.origin !== integration.baseUrl.origin)
      throw new HandlerServiceError('IntegrationPathNotAllowed', `integration ${name}: the path leaves the base URL`);
    if (req.query !== undefined && req.query !== null) {
      if (typeof req.query !== 'object' || Array.isArray(req.query)) throw new HandlerServiceError('TypeError', '"query" must be an object of names to values');
      for (const [key, value] of Object.entries(req.query)) {
        for (const item of Array.isArray(value) ? value : [value]) {
          if (item === undefined || item === null) continue;
          if (!['string', 'number', 'boolean'].includes(typeof item))
            throw new HandlerServiceError('TypeError', `query.${key.slice(0, 100)} must be a string, number, boolean or a list of them`);
          url.searchParams.append(key, String(item));
        }
      }
    }
    return url;
  }

  private headers(value: unknown): Record<string, string> {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) throw new HandlerServiceError('TypeError', '"headers" must be an object of header names to strings');
    const entries = Object.entries(value);
    if (entries.length > HEADERS_MAX) throw new HandlerServiceError('RangeError', `at most ${HEADERS_MAX} headers`);
    const out: Record<string, string> = {};
    for (const [name, headerValue] of entries) {
      if (!HEADER_NAME.test(name) || typeof headerValue !== 'string' || /[\r\n\0]/.test(headerValue) || headerValue.length > 8192) {
        throw new HandlerServiceError('TypeError', `header ${name.slice(0, 100)} must be a valid header name with a string value`);
      }
      if (RESERVED_HEADERS.includes(name.toLowerCase())) throw new HandlerServiceError('TypeError', `header ${name} is set by Mailroom`);
      out[name.toLowerCase()] = headerValue;
    }
    return out;
  }

  private async authHeader(integration: IntegrationDefinition): Promise<Record<string, string>> {
    switch (integration.auth.type) {
      case 'header': {
        const secret = this.config.handlerSecrets[integration.auth.secret];
        if (secret === undefined) throw new HandlerServiceError('IntegrationMisconfigured', `integration ${integration.name}: its secret is not set`);
        return { [integration.auth.header.toLowerCase()]: `${integration.auth.prefix}${secret}` };
      }
      case 'oauth2-client-credentials':
        return { authorization: `Bearer ${await this.tokens.getAccessToken()}` };
      default:
        return {};
    }
  }

  private async once(
    integration: IntegrationDefinition,
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal?: AbortSignal,
  ): Promise<IntegrationResponse> {
    const { host, port } = hostAndPort(url);
    const where = `integration ${integration.name} (${host}:${port})`;
    const timeout = AbortSignal.timeout(integration.timeoutMs);
    const combined = signal ? AbortSignal.any([timeout, signal]) : timeout;
    const failed = (error: unknown): HandlerServiceError => {
      if (timeout.aborted) return new HandlerServiceError('IntegrationTimeout', `${where} did not answer within ${integration.timeoutMs} ms`);
      if (signal?.aborted) return new HandlerServiceError('IntegrationAborted', `${where}: the handler has finished`);
      const cause = (error as { cause?: { code?: unknown } })?.cause?.code;
      return new HandlerServiceError('IntegrationUnreachable', `${where} cannot be reached${typeof cause === 'string' ? ` (${cause})` : ''}`);
    };
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, signal: combined, redirect: 'manual' });
    } catch (error) {
      throw failed(error);
    }
    const limit = integration.maxResponseBytes;
    let text: string | null;
    try {
      text = await readBounded(response, limit);
    } catch (error) {
      throw failed(error);
    }
    if (text === null) throw new HandlerServiceError('IntegrationResponseTooLarge', `${where} answered more than ${limit} bytes`);
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      if (key !== 'set-cookie') responseHeaders[key] = value;
    });
    let parsed: unknown = text;
    if (/^application\/([a-z0-9.+-]*\+)?json\b/i.test(response.headers.get('content-type') ?? '') && text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.status, headers: responseHeaders, body: method === 'HEAD' ? null : parsed };
  }
}
