import { Logger } from '@nestjs/common';
import { Client, type ClientConfig } from 'pg';
import type { SqlConnectionOptions } from '@app/storage/sql/connection-string';
import { safeReason } from '@app/storage/sql/sql-errors';

export const AVAILABLE_CHANNEL = 'mailroom_available';

/**
 * Holds one dedicated connection that LISTENs for the notifications the message triggers send
 * (payload "<schema>.<queue>"), and reconnects with a backoff when the database goes away.
 * `onReconnect` lets the store wake everybody, since notifications may have been missed.
 */
export class PgListener {
  private readonly logger = new Logger('PgListener');
  private client: Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private delayMs = 500;
  private stopped = false;
  private schema: string | null = null;

  constructor(
    private readonly target: SqlConnectionOptions,
    private readonly onQueue: (queue: string) => void,
    private readonly onReconnect: () => void,
    private readonly reason: (error: unknown) => string = (error) => safeReason(error, [target.password]),
  ) {}

  start(): void {
    if (!this.client && !this.timer && !this.stopped) void this.connect();
  }

  private config(): ClientConfig {
    const o = this.target.options;
    const mode = (o.sslmode ?? '').toLowerCase();
    return {
      host: this.target.host,
      port: this.target.port,
      user: this.target.username ?? undefined,
      password: this.target.password ?? undefined,
      database: this.target.database ?? undefined,
      connectionTimeoutMillis: 5000,
      keepAlive: true,
      application_name: 'mailroom-listener',
      ssl:
        mode === 'verify-ca' || mode === 'verify-full'
          ? { rejectUnauthorized: true }
          : mode === 'require' || mode === 'no-verify' || o.ssl === 'true'
            ? { rejectUnauthorized: false }
            : undefined,
      ...(o.schema ? { options: `-c search_path=${o.schema}` } : {}),
    };
  }

  private async connect(): Promise<void> {
    const client = new Client(this.config());
    this.client = client;
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      const payload = message.payload ?? '';
      const dot = payload.indexOf('.');
      if (dot > 0 && payload.slice(0, dot) === this.schema) this.onQueue(payload.slice(dot + 1));
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ schema: string }>('SELECT current_schema() AS schema');
      this.schema = rows[0]?.schema ?? 'public';
      await client.query(`LISTEN ${AVAILABLE_CHANNEL}`);
      if (this.stopped) {
        await client.end().catch(() => undefined);
        return;
      }
      if (this.delayMs > 500) this.logger.log('listening again for new messages');
      this.delayMs = 500;
      this.onReconnect();
    } catch (error) {
      this.logger.warn({ reason: this.reason(error) }, 'LISTEN failed; polling continues');
      this.lost(client);
    }
  }

  private lost(client: Client): void {
    if (this.client !== client) return;
    this.client = null;
    client.removeAllListeners('notification');
    client.end().catch(() => undefined);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, this.delayMs);
    this.timer.unref();
    this.delayMs = Math.min(this.delayMs * 2, 10_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }
}
