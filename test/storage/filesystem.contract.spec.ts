import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FilesystemMessageStore } from '@app/storage/filesystem/filesystem-message.store';
import { FilesystemCatalogStore } from '@app/storage/filesystem/filesystem-catalog.store';
import { FilesystemGrantStore } from '@app/storage/filesystem/filesystem-grant.store';
import { ManualClock } from '../support/time';
import { catalogStoreContract, grantStoreContract, messageStoreContract } from './message-store.contract';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-fs-contract-'));
}

async function openStore(options?: ConstructorParameters<typeof FilesystemMessageStore>[2]) {
  const dir = tempDir();
  const clock = new ManualClock();
  const store = new FilesystemMessageStore(dir, clock, options);
  await store.open();
  const cleanup = async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { store, clock, cleanup };
}

messageStoreContract('filesystem', () => openStore());

// the same behaviour with a journal that compacts all the time, beside writers
messageStoreContract('filesystem (compacting constantly)', () => openStore({ compactMinBytes: 1, compactGarbageRatio: 0 }));

catalogStoreContract('filesystem', async () => {
  const dir = tempDir();
  const store = await FilesystemCatalogStore.open(dir);
  return { store, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
});

grantStoreContract('filesystem', async () => {
  const dir = tempDir();
  const store = await FilesystemGrantStore.open(dir);
  return { store, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
});
