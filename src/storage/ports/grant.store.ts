import type { Grant, GrantAction, ResourceType } from '@app/domain/grant';

export interface GrantQuery {
  resource?: { type: ResourceType; name: string };
  subject?: string;
}

/** Per-subject permissions. Lives beside the catalog. put and delete are idempotent. */
export abstract class GrantStore {
  abstract put(grant: Grant): Promise<void>;
  abstract delete(type: ResourceType, name: string, subject: string, action: GrantAction): Promise<boolean>;
  abstract list(query: GrantQuery): Promise<Grant[]>;
  abstract has(type: ResourceType, name: string, subject: string, action: GrantAction): Promise<boolean>;
  /** Removes every grant on a resource (the resource was deleted). */
  abstract deleteForResource(type: ResourceType, name: string): Promise<void>;
}
