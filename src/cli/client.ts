/** Exit codes scripts can rely on (docs/cli.md). */
export const EXIT = { OK: 0, USAGE: 1, NOT_FOUND: 2, AUTH: 3, REJECTED: 4, UNAVAILABLE: 5 } as const;

export interface ErrorEnvelope {
  statusCode: number;
  code: string;
  message: string;
  details?: unknown;
  errors?: unknown[];
}

export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    readonly envelope: ErrorEnvelope,
  ) {
    super(envelope.message);
  }
}

export function exitCodeFor(status: number): number {
  if (status === 404) return EXIT.NOT_FOUND;
  if (status === 401 || status === 403) return EXIT.AUTH;
  if (status >= 400 && status < 500 && status !== 429 && status !== 408) return EXIT.REJECTED;
  return EXIT.UNAVAILABLE;
}

export function usage(message: string): CliError {
  return new CliError(EXIT.USAGE, { statusCode: 0, code: 'USAGE', message });
}

export interface ClientOptions {
  url: string;
  token?: string;
  timeoutMs?: number;
}

/** A thin client of Mailroom's public REST API: the CLI has no other way in. */
export class MailroomClient {
  private readonly base: URL;

  constructor(private readonly options: ClientOptions) {
    try {
      this.base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    } catch {
      throw usage('--url (MAILROOM_URL) is not a URL');
    }
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw usage('--url must be http:// or https://');
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    timeoutMs = this.options.timeoutMs ?? 30_000,
  ): Promise<T> {
    const url = new URL(`api/v1${path}`, this.base);
    const all: Record<string, string> = { Accept: 'application/json', ...headers };
    if (this.options.token) all.Authorization = `Bearer ${this.options.token}`;
    if (body !== undefined) all['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: all,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).name;
      throw new CliError(EXIT.UNAVAILABLE, { statusCode: 0, code: 'UNAVAILABLE', message: `Mailroom at ${this.base.origin} does not answer (${reason})` });
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let payload: unknown;
    try {
      payload = text ? JSON.parse(text) : null;
    } catch {
      payload = null;
    }
    if (!response.ok) {
      const envelope = (payload && typeof payload === 'object' ? payload : {}) as Partial<ErrorEnvelope>;
      throw new CliError(exitCodeFor(response.status), {
        ...envelope,
        statusCode: response.status,
        code: envelope.code ?? `HTTP_${response.status}`,
        message: envelope.message ?? response.statusText,
      });
    }
    return payload as T;
  }
}

/** `map` with at most `limit` calls in flight (one request per queue must not flood the server). */
export async function mapLimited<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
