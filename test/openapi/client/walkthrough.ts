/**
 * The README's walk-through (steps 2 to 8), written against a client that openapi-typescript
 * generated from /docs-json (`./api`, made by the test). It must type-check with `tsc --strict`,
 * then run: BASE_URL and TOKEN come from the environment; it prints one JSON line and exits 0.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './api';

type Queue = components['schemas']['Queue'];
type Message = components['schemas']['Message'];
type Stats = components['schemas']['Stats'];

function check(condition: boolean, what: string, detail?: unknown): asserts condition {
  if (!condition) throw new Error(`${what}: ${JSON.stringify(detail)}`);
}

/** Asks again every 50 ms until `probe` gives a value (at most 20 s). */
async function waitFor<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    check(Date.now() < deadline, 'waited 20 s for the handler');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function main(): Promise<void> {
  const client = createClient<paths>({ baseUrl: process.env.BASE_URL, headers: { Authorization: `Bearer ${process.env.TOKEN}` } });
  const orders = { path: { queue: 'orders' } };

  const created = await client.POST('/api/v1/queues', { body: { name: 'orders', incoming: { schema: { type: 'object', required: ['sku'] } } } });
  check(created.response.status === 201 && created.data !== undefined, 'create the queue', created.error);
  const queue: Queue = created.data;
  const visibility: number = queue.delivery.visibilityTimeoutSeconds;

  const pushed = await client.POST('/api/v1/queues/{queue}/messages', { params: orders, body: { sku: 'A1' } });
  check(pushed.response.status === 201 && pushed.data !== undefined, 'push', pushed.error);
  const stored = pushed.data;
  check(!('deduplicated' in stored), 'a new message, not a FIFO duplicate', stored);
  const message: Message = stored;
  const location = pushed.response.headers.get('Location');
  check(location === `/api/v1/queues/orders/messages/${message.id}`, 'Location names the message', location);

  const refused = await client.POST('/api/v1/queues/{queue}/messages', { params: orders, body: { qty: 1 } });
  check(refused.response.status === 422 && refused.error !== undefined, 'a schema-invalid push is refused', refused.data);
  const code: string = refused.error.code;
  check(code === 'MESSAGE_SCHEMA_INVALID', 'with its code', refused.error);

  const received = await client.POST('/api/v1/queues/{queue}/messages/receive', {
    params: orders,
    body: { maxMessages: 1, visibilityTimeoutSeconds: 60, waitSeconds: 5 },
  });
  check(received.data !== undefined && received.data.messages.length === 1, 'receive', received.error);
  const leased = received.data.messages[0];
  const receipt: string = leased.receipt;

  const acked = await client.POST('/api/v1/queues/{queue}/messages/{id}/ack', {
    params: { path: { queue: 'orders', id: leased.id } },
    body: { receipt, outcome: 'complete', result: { shipped: true } },
  });
  check(acked.data !== undefined && acked.data.status === 'COMPLETE', 'ack', acked.error);

  const greeted = await client.POST('/api/v1/queues/{queue}/messages', { params: { path: { queue: 'hello' } }, body: { hello: 'there', world: 'yes' } });
  check(greeted.data !== undefined, 'push to the handler queue', greeted.error);
  const helloId = greeted.data.id;
  const handled = await waitFor(async () => {
    const read = await client.GET('/api/v1/queues/{queue}/messages/{id}', { params: { path: { queue: 'hello', id: helloId } } });
    check(read.data !== undefined, 'read the handled message', read.error);
    return read.data.status === 'COMPLETE' ? read.data : undefined;
  });

  for (const name of ['billing', 'shipping']) {
    const made = await client.POST('/api/v1/queues', { body: { name } });
    check(made.response.status === 201, `create ${name}`, made.error);
  }
  const topic = await client.POST('/api/v1/topics', { body: { name: 'order-events', queues: ['billing', 'shipping'] } });
  check(topic.response.status === 201 && topic.data !== undefined, 'create a topic', topic.error);
  const published = await client.POST('/api/v1/topics/{topic}/messages', {
    params: { path: { topic: 'order-events' }, header: { 'Idempotency-Key': 'order-42' } },
    body: { order: 42 },
  });
  check(published.response.status === 201 && published.data !== undefined, 'publish', published.error);

  const ordersStats = await client.GET('/api/v1/queues/{queue}/stats', { params: orders });
  const billingStats = await client.GET('/api/v1/queues/{queue}/stats', { params: { path: { queue: 'billing' } } });
  check(ordersStats.data !== undefined && billingStats.data !== undefined, 'stats', ordersStats.error ?? billingStats.error);
  const counts: Stats['counts'] = ordersStats.data.counts;

  console.log(
    JSON.stringify({
      visibility,
      pushed: message.status,
      refused: code,
      acked: acked.data.status,
      handlerResult: handled.result,
      counts,
      billingPending: billingStats.data.counts.PENDING,
      topicQueues: topic.data.queues,
      published: published.data.messages.map((m) => m.queue),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
