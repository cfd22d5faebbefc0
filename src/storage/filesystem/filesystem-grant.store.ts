import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Grant, GrantAction, ResourceType } from '@app/domain/grant';
import { GrantStore, type GrantQuery } from '@app/storage/ports/grant.store';
import { JsonStateFile } from '@app/storage/filesystem/json-state-file';
import { PRIVATE_DIR } from '@app/common/file-modes';

interface GrantDocument {
  revision: number;
  grants: Grant[];
}

function same(g: Grant, type: ResourceType, name: string, subject: string, action: GrantAction): boolean {
  return g.resource.type === type && g.resource.name === name && g.subject === subject && g.action === action;
}

/** Grants in DATA_DIR/grants.json, replaced atomically on every change. */
export class FilesystemGrantStore extends GrantStore {
  private constructor(private readonly file: JsonStateFile<GrantDocument>) {
    super();
  }

  static async open(dataDir: string): Promise<FilesystemGrantStore> {
    await fsp.mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR });
    return new FilesystemGrantStore(await JsonStateFile.open<GrantDocument>(path.join(dataDir, 'grants.json'), () => ({ revision: 0, grants: [] })));
  }

  /** Idempotent: granting an existing grant keeps the first one (its grantedBy and grantedAt). */
  async put(grant: Grant): Promise<void> {
    await this.file.update((doc) => {
      if (doc.grants.some((g) => same(g, grant.resource.type, grant.resource.name, grant.subject, grant.action))) return { changed: false, result: undefined };
      doc.grants.push(structuredClone(grant));
      return { changed: true, result: undefined };
    });
  }

  async delete(type: ResourceType, name: string, subject: string, action: GrantAction): Promise<boolean> {
    return this.file.update((doc) => {
      const index = doc.grants.findIndex((g) => same(g, type, name, subject, action));
      if (index === -1) return { changed: false, result: false };
      doc.grants.splice(index, 1);
      return { changed: true, result: true };
    });
  }

  async list(query: GrantQuery): Promise<Grant[]> {
    return structuredClone(
      this.file.value.grants.filter(
        (g) =>
          (!query.resource || (g.resource.type === query.resource.type && g.resource.name === query.resource.name)) &&
          (query.subject === undefined || g.subject === query.subject),
      ),
    );
  }

  async has(type: ResourceType, name: string, subject: string, action: GrantAction): Promise<boolean> {
    return this.file.value.grants.some((g) => same(g, type, name, subject, action));
  }

  async deleteForResource(type: ResourceType, name: string): Promise<void> {
    await this.file.update((doc) => {
      const kept = doc.grants.filter((g) => !(g.resource.type === type && g.resource.name === name));
      if (kept.length === doc.grants.length) return { changed: false, result: undefined };
      doc.grants = kept;
      return { changed: true, result: undefined };
    });
  }
}
