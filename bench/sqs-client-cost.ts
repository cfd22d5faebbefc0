/**
 * What the SQS scenario's load generator costs by itself: the same AWS SDK cycle
 * (SendMessageBatch(10) → ReceiveMessage(10) → DeleteMessageBatch(10), 10 clients) against a
 * server in a child process that answers canned, valid responses (correct MD5s) at once. The CPU of
 * this process per cycle is the floor the SDK puts under the scenario on the same cores.
 * Prints one JSON document on stdout.
 *
 *   node -r @swc-node/register bench/sqs-client-cost.ts [--seconds 5] [--clients 10] [--size 1024] [--md5 false]
 * `--md5 false` turns off the SDK's MD5 checks of bodies (an SDK option, to see their share).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SQS_BENCH_KEY } from './scenarios/sqs';
import { bodyOfSize } from './scenarios/setup';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

function cannedServer(body: string): void {
  const md5 = createHash('md5').update(body).digest('hex');
  const handle = () => Buffer.from(`${randomUUID()} ${randomUUID()}`).toString('base64url');
  const answers: Record<string, string> = {
    SendMessageBatch: JSON.stringify({
      Successful: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageId: randomUUID(), MD5OfMessageBody: md5 })),
      Failed: [],
    }),
    ReceiveMessage: JSON.stringify({
      Messages: Array.from({ length: 10 }, () => ({ MessageId: randomUUID(), ReceiptHandle: handle(), MD5OfBody: md5, Body: body })),
    }),
    DeleteMessageBatch: JSON.stringify({ Successful: Array.from({ length: 10 }, (_, i) => ({ Id: `d${i}` })), Failed: [] }),
  };
  http
    .createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const action = String(request.headers['x-amz-target'] ?? '').replace('AmazonSQS.', '');
        const answer = answers[action] ?? '{}';
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(answer) });
        response.end(answer);
      });
    })
    .listen(0, '127.0.0.1', function (this: http.Server) {
      process.send!((this.address() as { port: number }).port);
    });
}

async function measure(): Promise<void> {
  const seconds = Number(option('seconds', '5'));
  const clientCount = Number(option('clients', '10'));
  const md5 = option('md5', 'true') !== 'false';
  const body = JSON.stringify(bodyOfSize(Number(option('size', '1024'))));
  const server: ChildProcess = fork(__filename, ['--serve', body], { execArgv: process.execArgv });
  const port = await new Promise<number>((resolve) => server.once('message', (value) => resolve(value as number)));
  const endpoint = `http://127.0.0.1:${port}`;
  const QueueUrl = `${endpoint}/000000000000/canned`;
  const clients = Array.from(
    { length: clientCount },
    () =>
      new SQSClient({
        endpoint,
        region: 'us-east-1',
        credentials: SQS_BENCH_KEY,
        maxAttempts: 1,
        requestHandler: { httpAgent: new http.Agent({ keepAlive: true, maxSockets: 1 }) },
        ...(md5 ? {} : { md5: false }),
      }),
  );
  const entries = Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: body }));
  let cycles = 0;
  let stop = false;
  const loop = async (sqs: SQSClient) => {
    while (!stop) {
      await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }));
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })) }));
      cycles++;
    }
  };
  const run = async (ms: number) => {
    stop = false;
    cycles = 0;
    const loops = Promise.all(clients.map(loop));
    await new Promise((resolve) => setTimeout(resolve, ms));
    stop = true;
    await loops;
  };
  try {
    await run(1500);
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await run(seconds * 1000);
    const cpu = process.cpuUsage(cpu0);
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    process.stdout.write(
      `${JSON.stringify(
        {
          what: `AWS SDK cycle against canned answers, ${clientCount} clients, ${body.length}-byte bodies, SDK MD5 checks ${md5 ? 'on' : 'off'}`,
          node: process.version,
          cycles,
          messagesPerSecond: Math.round((cycles * 10 * 1000) / wallMs),
          sdkCpuMsPer10Messages: Math.round((cpuMs / cycles) * 1000) / 1000,
          sdkCpuPercent: Math.round((cpuMs / wallMs) * 1000) / 10,
          ceilingOnTwoCoresMessagesPerSecond: Math.round((2 * 1000 * 10) / (cpuMs / cycles)),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    for (const client of clients) client.destroy();
    server.kill();
  }
}

if (process.argv[2] === '--serve') cannedServer(process.argv[3]);
else void measure();
