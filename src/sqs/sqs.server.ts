import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import * as http from 'node:http';
import { DomainError } from '@app/common/domain-error';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig, SqsCredential } from '@app/config/app.config';
import { AuthFailureLimiter } from '@app/security/auth-failure-limiter';
import type { Principal } from '@app/security/principal';
import { SqsError, sqsErrorFor } from '@app/sqs/sqs-error';
import { errorResponse, queryToInput, successResponse, type SqsResponse, type WireProtocol } from '@app/sqs/sqs-protocol';
import { SignatureVerifier, type ReceivedRequest } from '@app/sqs/sqs-signature';
import { SqsService } from '@app/sqs/sqs.service';

const JSON_TYPE = 'application/x-amz-json-1.0';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const HOST = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/;
const AUTH_QUERY_PARAM = /^X-Amz-/i;

class BodyTooLarge extends Error {}

/** The SQS endpoint: its own HTTP listener (SQS_PORT) in the same process, both wire protocols, SigV4. */
@Injectable()
export class SqsServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Sqs');
  private server: http.Server | null = null;
  private readonly verifier: SignatureVerifier;
  /** a batch of ten messages at the size limit, JSON-escaped, and room for attributes */
  private readonly maxBodyBytes: number;
  private readonly failures: AuthFailureLimiter;

  constructor(
    private readonly sqs: SqsService,
    @InjectConfig() private readonly config: AppConfig,
    @Inject(ThrottlerStorage) private readonly throttler: ThrottlerStorage,
  ) {
    this.verifier = new SignatureVerifier(config.sqs.credentials);
    this.maxBodyBytes = config.messageMaxBytes * 10 * 2 + 65_536;
    this.failures = new AuthFailureLimiter(config.auth.failureLimitPerMinute, Date.now);
  }

  /** The port the listener is bound to, or null when it is off. */
  get port(): number | null {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.sqs.port;
    if (port === null) return;
    const server = http.createServer((request, response) => void this.serve(request, response));
    server.requestTimeout = 60_000;
    server.headersTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port === 'ephemeral' ? 0 : port, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const noKeys = this.noKeysReason();
    if (noKeys) this.logger.warn(`SQS endpoint: ${noKeys}, so every request is refused (InvalidClientTokenId)`);
    this.logger.log(`SQS endpoint listening on port ${this.port} (account ${this.config.sqs.accountId}, ${this.config.sqs.credentials.length} access key(s))`);
  }

  private noKeysReason(): string | null {
    const { credentials, credentialsFile } = this.config.sqs;
    if (credentials.length) return null;
    if (!credentialsFile) return 'SQS_CREDENTIALS_FILE is not set';
    return credentialsFile.missing
      ? `SQS_CREDENTIALS_FILE ${credentialsFile.path} does not exist (no Secret mounted there?)`
      : `SQS_CREDENTIALS_FILE ${credentialsFile.path} holds no access keys`;
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // long polls end when ConsumersService is destroyed; anything still open after the grace period is cut
    const timer = setTimeout(() => server.closeAllConnections(), this.config.shutdownGraceSeconds * 1000);
    timer.unref();
    await closed;
    clearTimeout(timer);
  }

  private async serve(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const target = request.headers['x-amz-target'];
    const protocol: WireProtocol = typeof target === 'string' ? 'json' : 'query';
    let answer: SqsResponse;
    const aborted = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) aborted.abort();
    });
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (request.method !== 'POST' && request.method !== 'GET') throw new SqsError('InvalidAction', 'SQS requests are POST (or GET for the Query protocol).');
      const received = { method: request.method, path: safeDecode(url.pathname), rawQuery: url.search.slice(1), headers: request.headers };
      this.assertBodySize(request);
      const { credential, body } = await this.authenticate(request, received);
      const { action, input } = this.parse(request, url, body, typeof target === 'string' ? target : undefined);
      const principal: Principal = { subject: credential.subject, roles: new Set(credential.roles), clientRoles: new Map() };
      await this.rateLimit(principal.subject);
      const output = await this.sqs.handle(action, input, { principal, host: this.host(request), path: url.pathname, signal: aborted.signal });
      answer = successResponse(protocol, action, output);
    } catch (error) {
      answer = errorResponse(protocol, this.toSqsError(error));
    }
    if (response.destroyed) return;
    // a request refused before its body was read: the connection closes instead of reading it
    const unread = request.readableEnded ? {} : { connection: 'close' };
    response.writeHead(answer.status, { ...answer.headers, ...unread, 'content-length': Buffer.byteLength(answer.body) });
    response.end(answer.body);
  }

  /** Checks the signature (what it can before reading the body); failures count against the client address, as on the REST API. */
  private async authenticate(request: http.IncomingMessage, received: Omit<ReceivedRequest, 'body'>): Promise<{ credential: SqsCredential; body: Buffer }> {
    try {
      this.verifier.precheck(received);
      const body = await this.readBody(request);
      return { credential: await this.verifier.verify({ ...received, body }), body };
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      const retryAfterSeconds = this.failures.fail(request.socket.remoteAddress ?? 'unknown');
      if (retryAfterSeconds === null) throw error;
      throw new SqsError('RequestThrottled', `Too many failed authentications from this address; retry in ${retryAfterSeconds} s`);
    }
  }

  /** RATE_LIMIT_PER_MINUTE per subject, as on the REST API (counted over all SQS actions together). */
  private async rateLimit(subject: string): Promise<void> {
    const limit = this.config.rateLimitPerMinute;
    if (limit === 0) return;
    const record = await this.throttler.increment(`sqs:${subject}`, 60_000, limit, 60_000, 'sqs');
    if (record.isBlocked) {
      throw new SqsError(
        'RequestThrottled',
        `Rate limit of ${limit} requests per minute exceeded; retry in ${Math.max(1, Math.ceil(record.timeToBlockExpire))} s`,
      );
    }
  }

  private toSqsError(error: unknown): SqsError {
    if (error instanceof SqsError) return error;
    if (error instanceof DomainError) return sqsErrorFor(error);
    if (error instanceof BodyTooLarge) return new SqsError('RequestEntityTooLarge', `Request bodies are limited to ${this.maxBodyBytes} bytes.`);
    this.logger.error(`SQS request failed: ${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error'}`);
    return new SqsError('InternalFailure', 'The request processing has failed because of an unknown error.');
  }

  private assertBodySize(request: http.IncomingMessage): void {
    if (Number(request.headers['content-length'] ?? 0) > this.maxBodyBytes) throw new BodyTooLarge();
  }

  private readBody(request: http.IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      request.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.maxBodyBytes) {
          request.removeAllListeners('data');
          request.resume();
          reject(new BodyTooLarge());
          return;
        }
        chunks.push(chunk);
      });
      request.on('end', () => resolve(Buffer.concat(chunks)));
      request.on('error', reject);
    });
  }

  private parse(request: http.IncomingMessage, url: URL, body: Buffer, target: string | undefined): { action: string; input: Record<string, unknown> } {
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (target !== undefined) {
      const match = /^AmazonSQS\.([A-Za-z]{1,64})$/.exec(target);
      if (!match) throw new SqsError('InvalidAction', 'X-Amz-Target must be AmazonSQS.<Action>.');
      if (type !== JSON_TYPE) throw new SqsError('InvalidParameterValue', `The JSON protocol needs Content-Type: ${JSON_TYPE}.`);
      let input: unknown;
      try {
        input = body.length ? JSON.parse(body.toString('utf8')) : {};
      } catch {
        throw new SqsError('InvalidParameterValue', 'The request body is not valid JSON.');
      }
      if (!input || typeof input !== 'object' || Array.isArray(input)) throw new SqsError('InvalidParameterValue', 'The request body must be a JSON object.');
      return { action: match[1], input: input as Record<string, unknown> };
    }
    const params = new URLSearchParams();
    for (const [key, value] of url.searchParams) if (!AUTH_QUERY_PARAM.test(key)) params.append(key, value);
    if (body.length) {
      if (type !== FORM_TYPE)
        throw new SqsError('InvalidParameterValue', `The Query protocol needs Content-Type: ${FORM_TYPE} (or the JSON protocol's X-Amz-Target).`);
      for (const [key, value] of new URLSearchParams(body.toString('utf8'))) params.append(key, value);
    }
    return queryToInput(params);
  }

  /** Queue URLs name the host the client used; a Host header that is not a plain host name gets this listener's address. */
  private host(request: http.IncomingMessage): string {
    const host = request.headers.host;
    return host && HOST.test(host) ? host : `localhost:${this.port}`;
  }
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
