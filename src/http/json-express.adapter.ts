import { StreamableFile } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Response } from 'express';

/**
 * Nest's Express adapter with a direct path for what Mailroom's routes answer: a plain object
 * as JSON. express's res.json/res.send (content-type negotiation, charset handling, freshness
 * checks) cost about a tenth of a push's CPU for nothing here. Anything else, and any response
 * whose Content-Type a route chose, goes through Nest's own reply.
 */
export class JsonExpressAdapter extends ExpressAdapter {
  override reply(response: Response, body: unknown, statusCode?: number): unknown {
    if (body === null || typeof body !== 'object' || body instanceof StreamableFile || body instanceof Error || Buffer.isBuffer(body) || response.hasHeader('Content-Type')) {
      return super.reply(response, body, statusCode);
    }
    if (statusCode !== undefined) response.statusCode = statusCode;
    const json = JSON.stringify(body);
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.setHeader('Content-Length', Buffer.byteLength(json));
    return response.end(json);
  }
}
