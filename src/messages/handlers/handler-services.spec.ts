import type { AppConfig } from '@app/config/app.config';
import { HandlerServices } from '@app/messages/handlers/handler-services';

describe('HandlerServices', () => {
  const kv = new Map<string, unknown>();
  const config = { messageMaxBytes: 64, handlerSecrets: { TOKEN: 'tok-abcdef', SHORT: 'ab', LONGER: 'tok-abcdef-123' } } as unknown as AppConfig;
  const services = new HandlerServices(
    { require: () => ({ definition: { name: 'q' } }) } as never,
    {} as never,
    {
      forQueue: () => ({
        kvGet: async (_q: string, key: string) => kv.get(key),
        kvSet: async (_q: string, key: string, value: unknown) => void kv.set(key, value),
      }),
    } as never,
    {} as never,
    { publish: async (topic: string, _body: unknown, options: { sentBy: string }) => ({ topic, messages: [{ queue: options.sentBy, id: '1' }] }) },
    config,
    {} as never,
    {} as never,
    {} as never,
  );

  it('checks keys and values of the key-value store', async () => {
    await expect(services.invoke('q', 'storage.set', ['k', { a: 1 }])).resolves.toBe(true);
    await expect(services.invoke('q', 'storage.get', ['k'])).resolves.toEqual({ a: 1 });
    await expect(services.invoke('q', 'storage.get', ['missing'])).resolves.toBeNull();
    await expect(services.invoke('q', 'storage.set', ['k', undefined])).rejects.toMatchObject({ name: 'TypeError' });
    await expect(services.invoke('q', 'storage.set', ['', 1])).rejects.toMatchObject({ name: 'TypeError' });
    await expect(services.invoke('q', 'storage.set', ['x'.repeat(513), 1])).rejects.toMatchObject({ name: 'RangeError' });
    await expect(services.invoke('q', 'storage.set', ['big', 'y'.repeat(100)])).rejects.toMatchObject({ name: 'RangeError' });
    expect(kv.has('big')).toBe(false);
  });

  it('publishes to a topic as the handler of its queue', async () => {
    await expect(services.invoke('q', 'messaging.publish', ['news', {}])).resolves.toEqual({ topic: 'news', messages: [{ queue: 'handler:q', id: '1' }] });
    await expect(services.invoke('q', 'messaging.publish', ['', {}])).rejects.toMatchObject({ name: 'TypeError' });
  });

  it('refuses unknown calls', async () => {
    await expect(services.invoke('q', 'process.exit', [])).rejects.toMatchObject({ name: 'TypeError' });
  });

  it('masks secret values, longest first, and leaves very short ones alone', () => {
    expect(services.redact('a tok-abcdef-123 and tok-abcdef but ab')).toBe('a [REDACTED] and [REDACTED] but ab');
  });
});
