import pino from 'pino';
import { PinoNestLogger } from '@app/http/nest-logger';

function capture(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level, base: null, timestamp: false }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { nest: new PinoNestLogger(logger), lines };
}

describe('PinoNestLogger', () => {
  it('writes the context as a field and the message as msg, at the matching pino level', () => {
    const { nest, lines } = capture();
    nest.log('listening on port 3000', 'Mailroom');
    nest.warn('not ready', 'Health');
    nest.debug('not written at info', 'Health');
    expect(lines).toEqual([
      { level: 30, context: 'Mailroom', msg: 'listening on port 3000' },
      { level: 40, context: 'Health', msg: 'not ready' },
    ]);
  });

  it('logs an Error as err, merges an object, and reads Nest exception handlers’ (message, stack, context)', () => {
    const { nest, lines } = capture();
    nest.error(new Error('boom'), 'Dispatcher');
    nest.log({ queue: 'orders', msg: 'purged' }, 'Audit');
    nest.error('Unhandled', 'Error: Unhandled\n    at handler (file.ts:1:1)', 'ExceptionsHandler');
    nest.log('no context');
    expect(lines[0]).toMatchObject({ level: 50, context: 'Dispatcher', err: { type: 'Error', message: 'boom' } });
    expect(lines[1]).toEqual({ level: 30, context: 'Audit', queue: 'orders', msg: 'purged' });
    expect(lines[2]).toMatchObject({
      level: 50,
      context: 'ExceptionsHandler',
      err: { message: 'Unhandled', stack: 'Error: Unhandled\n    at handler (file.ts:1:1)' },
    });
    expect(lines[3]).toEqual({ level: 30, msg: 'no context' });
  });
});
