import * as http from 'node:http';
import type { Socket } from 'node:net';
import { StreamableFile, type NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express, Response } from 'express';

/**
 * Classes for the HTTP server whose instances are born with express's request and response
 * prototypes. express re-parents every req/res with Object.setPrototypeOf; on objects Node
 * created with its own prototypes that switches V8 to slow property access throughout Node's
 * HTTP code (about two thirds of a small request's CPU). With these, that call finds the
 * prototype already in place and changes nothing.
 */
export function expressHttpClasses(app: Express): { IncomingMessage: typeof http.IncomingMessage; ServerResponse: typeof http.ServerResponse } {
  function ExpressIncomingMessage(this: http.IncomingMessage, socket: Socket) {
    http.IncomingMessage.call(this, socket);
  }
  function ExpressServerResponse(this: http.ServerResponse, req: http.IncomingMessage, options?: unknown) {
    (http.ServerResponse as unknown as (this: http.ServerResponse, ...args: unknown[]) => void).call(this, req, options);
  }
  ExpressIncomingMessage.prototype = app.request;
  ExpressServerResponse.prototype = app.response;
  return {
    IncomingMessage: ExpressIncomingMessage as unknown as typeof http.IncomingMessage,
    ServerResponse: ExpressServerResponse as unknown as typeof http.ServerResponse,
  };
}

/**
 * Nest's Express adapter with two changes for speed: the HTTP server builds requests and
 * responses on express's prototypes (see expressHttpClasses), and a plain object is answered
 * as JSON directly. express's res.json/res.send (content-type negotiation, charset handling,
 * freshness checks) cost about a tenth of a push's CPU for nothing here. Anything else, and any
 * response whose Content-Type a route chose, goes through Nest's own reply.
 */
export class JsonExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    super.initHttpServer(options);
    if (options?.httpsOptions || options?.forceCloseConnections) return;
    const app = this.getInstance<Express>();
    this.httpServer = http.createServer(expressHttpClasses(app), app);
  }

  override reply(response: Response, body: unknown, statusCode?: number): unknown {
    if (
      body === null ||
      typeof body !== 'object' ||
      body instanceof StreamableFile ||
      body instanceof Error ||
      Buffer.isBuffer(body) ||
      response.hasHeader('Content-Type')
    ) {
      return super.reply(response, body, statusCode);
    }
    if (statusCode !== undefined) response.statusCode = statusCode;
    const json = JSON.stringify(body);
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.setHeader('Content-Length', Buffer.byteLength(json));
    return response.end(json);
  }
}
