import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AppConfig } from '@app/config/app.config';
import { PRIVATE_DIR, PRIVATE_FILE } from '@app/common/file-modes';

export const DEV_SECRET_FILE = 'dev-jwt-secret';

/**
 * Outside production with no auth setting, Mailroom signs development tokens with a secret
 * generated once into DATA_DIR (mode 0600). Production never gets here (loadConfig refuses).
 */
export function withDevelopmentSecret(config: AppConfig): AppConfig {
  if (config.auth.jwtSecret || config.auth.jwksUrl || config.production) return config;
  const file = path.join(config.dataDir, DEV_SECRET_FILE);
  fs.mkdirSync(config.dataDir, { recursive: true, mode: PRIVATE_DIR });
  let secret: string;
  try {
    secret = fs.readFileSync(file, 'utf8').trim();
  } catch {
    secret = crypto.randomBytes(48).toString('base64url');
    fs.writeFileSync(file, `${secret}\n`, { mode: PRIVATE_FILE, flag: 'wx' });
  }
  return { ...config, auth: { ...config.auth, jwtSecret: secret, development: true } };
}
