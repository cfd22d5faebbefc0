import * as http from 'node:http';

export interface HttpResult<T = any> {
  status: number;
  body: T;
  ms: number;
}

/** A small keep-alive JSON client for loopback traffic (one socket per concurrent caller). */
export class HttpClient {
  private readonly agent: http.Agent;

  constructor(
    private readonly port: number,
    private readonly token: string,
    sockets = 64,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }

  request<T = any>(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<HttpResult<T>> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: http.OutgoingHttpHeaders = { authorization: `Bearer ${this.token}` };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: this.port, method, path, headers, agent: this.agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any = text;
          if (text && (res.headers['content-type'] ?? '').includes('json')) {
            try {
              parsed = JSON.parse(text);
            } catch {
              /* leave as text */
            }
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, ms });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
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
    this.agent.destroy();
  }
}
