import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { DomainError } from '@app/common/domain-error';

export const CONSOLE_PATH = '/console';
/** where `npm run build` writes the console's bundle (the same path from src/ and from dist/) */
export const BUILT_CONSOLE_DIR = path.resolve(__dirname, '..', '..', 'dist', 'console');

/**
 * Serves the operator console's static bundle under /console. Hashed assets are cached for a
 * year; index.html is revalidated so a new build is picked up. The console signs in with a
 * token the user pastes and calls the public API like any other client.
 */
export function serveConsole(app: NestExpressApplication, directory: string): void {
  const index = path.join(directory, 'index.html');
  const assets = express.static(directory, {
    index: false,
    redirect: false,
    fallthrough: true,
    setHeaders: (response, file) => {
      response.setHeader('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  app.use(CONSOLE_PATH, (request: Request, response: Response, next: NextFunction) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    if (request.originalUrl === CONSOLE_PATH) return response.redirect(301, `${CONSOLE_PATH}/`);
    assets(request, response, () => {
      if (request.path !== '/' && request.path !== '/index.html') {
        next(new DomainError('ROUTE_NOT_FOUND', `No console file ${request.path}`));
        return;
      }
      if (!fs.existsSync(index)) {
        next(new DomainError('ROUTE_NOT_FOUND', 'The console is not built: run npm run build'));
        return;
      }
      response.setHeader('Cache-Control', 'no-cache');
      response.sendFile(index);
    });
  });
}
