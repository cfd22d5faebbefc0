import { loadConfig } from '@app/config/app.config';
import { createLogger, scrubbingDestination } from '@app/http/logging';

describe('scrubbingDestination', () => {
  it('scrubs whole lines on their way to the destination', () => {
    const lines: string[] = [];
    scrubbingDestination({ write: (line: string) => lines.push(line) }).write('{"msg":"postgres://a:b@c/d"}\n');
    expect(lines).toEqual(['{"msg":"postgres://a:***@c/d"}\n']);
  });
});

describe('createLogger', () => {
  it('masks the values of secret settings in every line, and leaves short values alone', () => {
    const lines: string[] = [];
    const config = loadConfig({
      AUTH_JWT_SECRET: 'j'.repeat(40),
      MAILROOM_SQL__PG_PASSWORD: 'pg "pass" word',
      MAILROOM_SQL__DB: 'test',
      MAILROOM_SECRET__KEY: 'handler-key-1',
      LOG_LEVEL: 'info',
    });
    const logger = createLogger(config, { write: (line: string) => void lines.push(line) });
    logger.info({ detail: 'pg "pass" word / pg%20%22pass%22%20word' }, `a test line with ${'j'.repeat(40)} and handler-key-1`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('jjjjjjjj');
    expect(lines[0]).not.toContain('handler-key-1');
    expect(lines[0]).not.toContain('pass');
    expect(lines[0]).toContain('a test line');
  });

  it('masks METRICS_TOKEN too', () => {
    const lines: string[] = [];
    const config = loadConfig({ AUTH_JWT_SECRET: 'j'.repeat(40), METRICS_TOKEN: 'scrape-token-0123456789abcdef', LOG_LEVEL: 'info' });
    createLogger(config, { write: (line: string) => void lines.push(line) }).warn('GET /api/v1/x/scrape-token-0123456789abcdef answered 404');
    expect(lines[0]).not.toContain('scrape-token-0123456789abcdef');
  });
});
