import * as http from 'node:http';
import { Socket, type AddressInfo } from 'node:net';
import type { Express, Request, Response } from 'express';
import { expressHttpClasses, JsonExpressAdapter } from '@app/http/json-express.adapter';

function fakeResponse(headers: Record<string, string> = {}) {
  const sent = { statusCode: 200, headers: { ...headers } as Record<string, unknown>, body: undefined as unknown, viaExpress: false };
  const response = {
    get statusCode() {
      return sent.statusCode;
    },
    set statusCode(code: number) {
      sent.statusCode = code;
    },
    hasHeader: (name: string) => name.toLowerCase() in Object.fromEntries(Object.keys(sent.headers).map((k) => [k.toLowerCase(), 1])),
    setHeader: (name: string, value: unknown) => void (sent.headers[name] = value),
    getHeader: (name: string) => sent.headers[name],
    end: (body?: string) => void (sent.body = body),
    status: (code: number) => {
      sent.statusCode = code;
      return response;
    },
    json: (body: unknown) => {
      sent.viaExpress = true;
      sent.body = JSON.stringify(body);
    },
    send: (body?: unknown) => {
      sent.viaExpress = true;
      sent.body = body;
    },
  };
  return { response: response as unknown as Response, sent };
}

describe('JsonExpressAdapter.reply', () => {
  const adapter = new JsonExpressAdapter();

  it('writes a plain object as UTF-8 JSON with its byte length and status', () => {
    const { response, sent } = fakeResponse();
    adapter.reply(response, { name: 'größe', n: 1 }, 201);
    expect(sent).toMatchObject({ statusCode: 201, viaExpress: false, body: '{"name":"größe","n":1}' });
    expect(sent.headers['Content-Type']).toBe('application/json; charset=utf-8');
    expect(sent.headers['Content-Length']).toBe(Buffer.byteLength('{"name":"größe","n":1}'));
  });

  it("leaves empty bodies, strings and responses with a route's own Content-Type to Nest", () => {
    const empty = fakeResponse();
    adapter.reply(empty.response, undefined, 204);
    expect(empty.sent).toMatchObject({ statusCode: 204, viaExpress: true });
    const text = fakeResponse();
    adapter.reply(text.response, 'plain');
    expect(text.sent).toMatchObject({ viaExpress: true, body: 'plain' });
    const typed = fakeResponse({ 'Content-Type': 'application/yaml' });
    adapter.reply(typed.response, { a: 1 });
    expect(typed.sent.viaExpress).toBe(true);
  });
});

describe('JsonExpressAdapter.initHttpServer', () => {
  it("builds requests and responses on express's prototypes, so express does not re-parent them", async () => {
    const adapter = new JsonExpressAdapter();
    const app = adapter.getInstance<Express>();
    app.get('/who', (req: Request, res: Response) => void res.json({ host: req.hostname, viaExpress: typeof res.status === 'function' }));
    adapter.initHttpServer({});
    const server = adapter.getHttpServer() as http.Server;
    const atBirth: Array<{ request: boolean; response: boolean }> = [];
    server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      atBirth.push({ request: Object.getPrototypeOf(req) === app.request, response: Object.getPrototypeOf(res) === app.response });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await fetch(`http://127.0.0.1:${port}/who`);
      expect(await answer.json()).toEqual({ host: '127.0.0.1', viaExpress: true });
      expect(atBirth).toEqual([{ request: true, response: true }]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('keeps Node’s classes in the chain', () => {
    const app = new JsonExpressAdapter().getInstance<Express>();
    const { IncomingMessage, ServerResponse } = expressHttpClasses(app);
    const request = new IncomingMessage(new Socket());
    const response = new ServerResponse(request);
    expect(request).toBeInstanceOf(http.IncomingMessage);
    expect(response).toBeInstanceOf(http.ServerResponse);
    expect(typeof (request as unknown as Request).get).toBe('function');
  });
});
