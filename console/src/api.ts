const TOKEN_KEY = 'mailroom.token';

export interface ApiError {
  status: number;
  code: string;
  message: string;
  errors?: { instancePath?: string; message?: string }[];
}

export class ApiFailure extends Error {
  constructor(readonly error: ApiError) {
    super(`${error.code}: ${error.message}`);
  }
}

export interface Counts {
  PENDING: number;
  INPROGRESS: number;
  COMPLETE: number;
  ERROR: number;
}
export interface Stats {
  queue: string;
  counts: Counts;
  oldestPendingAgeSeconds: number | null;
  storage?: { available: boolean };
}
export interface Queue {
  name: string;
  storageEngine: string;
  source: 'file' | 'api';
  hasHandler: boolean;
  incoming?: { schema?: unknown };
  delivery?: { deadLetterQueue?: string | null; maxAttempts?: number; maxReceives?: number };
  [key: string]: unknown;
}
export interface Message {
  id: string;
  queue: string;
  status: keyof Counts;
  request: unknown;
  result: unknown;
  error: unknown;
  attempts: number;
  sentBy: string;
  createdAt: string;
  updatedAt: string;
  availableAt?: string;
  deadLetter?: { queue: string; id: string; error: unknown };
}
export interface Topic {
  name: string;
  queues: string[];
}
export interface Grant {
  resource: { type: 'queue' | 'topic'; name: string };
  subject: string;
  action: string;
  grantedBy: string;
  grantedAt: string;
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
export interface Me {
  subject: string;
  roles: string[];
  rights: { readCatalog: boolean; writeCatalog: boolean };
  queue: { name: string; push: boolean; consume: boolean; administer: boolean } | null;
  topic: { name: string; publish: boolean } | null;
}

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token: string) => sessionStorage.setItem(TOKEN_KEY, token.trim()),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
};

let onUnauthenticated: () => void = () => undefined;
export function whenUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler;
}

export const enc = encodeURIComponent;

/** Every call goes through the public REST API with the signed-in token. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${session.token() ?? ''}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiFailure({ status: 0, code: 'NETWORK', message: 'Mailroom does not answer' });
  }
  if (response.status === 204) return undefined as T;
  const payload = (await response.json().catch(() => null)) as { code?: string; message?: string; errors?: ApiError['errors'] } | null;
  if (!response.ok) {
    const error: ApiError = {
      status: response.status,
      code: payload?.code ?? `HTTP_${response.status}`,
      message: payload?.message ?? response.statusText,
      errors: payload?.errors,
    };
    if (response.status === 401) onUnauthenticated();
    throw new ApiFailure(error);
  }
  return payload as T;
}

/** Every page of a list (bounded, for the overview). */
export async function all<T>(path: string, maxPages = 20): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const separator = path.includes('?') ? '&' : '?';
    const result: Page<T> = await api<Page<T>>('GET', `${path}${separator}limit=100${cursor ? `&cursor=${enc(cursor)}` : ''}`);
    items.push(...result.items);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return items;
}

/** `map` with at most `limit` requests in flight, so a big catalog does not flood the server. */
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
