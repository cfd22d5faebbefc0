import autocannon from 'autocannon';
import { assertLoopback } from '../lib/loopback';
import type { MailroomProcess } from '../lib/mailroom';
import { Latencies, round } from '../lib/stats';
import { messagesPath, sampled, type ScenarioResult } from './mailroom';
import { bodyOfSize, QUEUES } from './setup';

const MAX_REQUESTS = 2_000_000;

function run(options: autocannon.Options, latencies: Latencies): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error: Error | null, result) => (error ? reject(error) : resolve(result)));
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.add(responseTime);
    });
  });
}

/**
 * Push only, driven by autocannon (a third-party load generator) instead of the bench's undici
 * client: `connections` keep-alive connections POST one `bytes`-byte message each, back to back.
 * Throughput = 2xx answers / autocannon's duration; latency from autocannon's own per-response
 * timing (its histogram, kept under `autocannon`, has whole-millisecond buckets).
 */
export async function pushAutocannon(mailroom: MailroomProcess, connections: number, bytes: number, durationMs: number): Promise<ScenarioResult> {
  const url = `http://127.0.0.1:${mailroom.port}${messagesPath(QUEUES.push)}`;
  assertLoopback(url, 'the autocannon target');
  const latencies = new Latencies();
  const { value: result, resources } = await sampled(mailroom, () =>
    run(
      {
        url,
        method: 'POST',
        headers: { authorization: `Bearer ${mailroom.client.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(bodyOfSize(bytes)),
        connections,
        pipelining: 1,
        duration: durationMs / 1000,
        maxOverallRequests: Math.max(connections, MAX_REQUESTS),
        timeout: 30,
        bailout: 100,
      },
      latencies,
    ),
  );
  const ok = result['2xx'];
  const errors = result.non2xx + result.errors + result.timeouts;
  if (ok === 0) throw new Error(`autocannon: no 2xx answer (status codes ${JSON.stringify(result.statusCodeStats)}, ${result.errors} connection errors)`);
  return {
    description: `push only driven by autocannon: ${connections} connection(s), ${bytes} B bodies; latency per push`,
    clients: connections,
    bodyBytes: bytes,
    throughput: { perSecond: round(ok / result.duration, 1), unit: 'messages', requestsPerSecond: round(ok / result.duration, 1) },
    latencyMs: latencies.summary(),
    seconds: result.duration,
    iterations: ok,
    errors,
    firstError: errors ? `status codes ${JSON.stringify(result.statusCodeStats)}, ${result.errors} connection errors, ${result.timeouts} timeouts` : null,
    resources,
    autocannon: {
      requestsPerSecond: { average: result.requests.average, stddev: result.requests.stddev, min: result.requests.min, max: result.requests.max },
      latencyMs: { average: result.latency.average, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
      '2xx': ok,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      duration: result.duration,
    },
  };
}
