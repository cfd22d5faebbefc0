import { Pool } from 'undici';

export interface HttpResult<T = any> {
  status: number;
  body: T;
  ms: number;
}

/**
 * The load generator's client: undici with keep-alive connections to loopback (one connection per
 * concurrent caller, no pipelining), so the bench measures Mailroom rather than node:http's client.
 */
export class HttpClient {
  private readonly pool: Pool;

  constructor(
    readonly port: number,
    readonly token: string,
    connections = 64,
  ) {
    this.pool = new Pool(`http://127.0.0.1:${port}`, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  async request<T = any>(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<HttpResult<T>> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const started = process.hrtime.bigint();
    const response = await this.pool.request({
      method: method,
      path,
      headers,
      body: payload,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await response.body.text();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    let parsed: any = text;
    const type = response.headers['content-type'];
    if (text && String(type ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        /* leave as text */
      }
    }
    return { status: response.statusCode, body: parsed, ms };
  }

  /** Like request, but throws unless the status is one of `ok`. */
  async expect<T = any>(ok: number[], method: string, path: string, body?: unknown): Promise<HttpResult<T>> {
    const result = await this.request<T>(method, path, body);
    if (!ok.includes(result.status)) {
      const detail = typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
      throw new Error(`${method} ${path} answered ${result.status}: ${detail.slice(0, 300)}`);
    }
    return result;
  }

  close(): void {
    void this.pool.destroy().catch(() => undefined);
  }
}
