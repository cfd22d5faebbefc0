import { startTestApp, type TestApp } from '../support/app';

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  requestBody?: unknown;
  operationId: string;
}

describe('OpenAPI document and probes (e2e)', () => {
  let t: TestApp;
  let document: { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };

  beforeAll(async () => {
    t = await startTestApp();
    document = (await t.http.get('/docs-json')).body;
  });
  afterAll(() => t.close());

  it('serves Swagger UI at /docs without a token', async () => {
    const response = await t.http.get('/docs/');
    expect(response.status).toBe(200);
    expect(response.text).toContain('swagger-ui');
  });

  it('documents every route with its security schemes and error responses', () => {
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['bearer', 'x-access-token']);
    const operations = Object.entries(document.paths).flatMap(([route, methods]) => Object.entries(methods).map(([method, op]) => ({ route, method, op })));
    expect(operations.length).toBeGreaterThanOrEqual(12);
    for (const { route, method, op } of operations) {
      const where = `${method.toUpperCase()} ${route}`;
      expect({ where, secured: op.security?.some((s) => 'bearer' in s) }).toEqual({ where, secured: true });
      expect({ where, has401: '401' in op.responses, has403: '403' in op.responses }).toEqual({ where, has401: true, has403: true });
      const success = Object.keys(op.responses).find((code) => code.startsWith('2'));
      expect({ where, success: success !== undefined }).toEqual({ where, success: true });
    }
  });

  it('documents the Elemental message routes with request and response schemas', () => {
    const push = document.paths['/api/v1/queues/{queue}/messages'].post;
    expect(push.responses['201'].content?.['application/json'].schema).toBeDefined();
    expect(push.responses['422']).toBeDefined();
    expect(push.responses['413']).toBeDefined();
    const create = document.paths['/api/v1/queues'].post;
    expect(create.requestBody).toBeDefined();
    expect(create.responses['409']).toBeDefined();
  });

  it('answers /healthz and /readyz without a token', async () => {
    expect((await t.http.get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await t.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', details: { lifecycle: { status: 'up' }, catalog: { status: 'up' } } });
  });

  it('uses the error envelope for unknown routes', async () => {
    const response = await t.http.get('/api/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found', code: 'ROUTE_NOT_FOUND' });
  });
});
