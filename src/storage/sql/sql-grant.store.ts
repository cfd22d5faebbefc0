import type { FindOptionsWhere } from 'typeorm';
import { GrantStore, type GrantQuery } from '@app/storage/ports/grant.store';
import type { Grant, GrantAction, ResourceType } from '@app/storage/ports/catalog.types';
import type { SqlDatabase } from '@app/storage/sql/sql-database';
import { GrantRow } from '@app/storage/sql/catalog.entities';

function toGrant(row: GrantRow): Grant {
  return {
    resource: { type: row.resourceType as ResourceType, name: row.resourceName },
    subject: row.subject,
    action: row.action as GrantAction,
    grantedBy: row.grantedBy,
    grantedAt: row.grantedAt,
  };
}

/** Grants beside the SQL catalog. put keeps the first grant (idempotent). */
export class SqlGrantStore extends GrantStore {
  constructor(private readonly db: SqlDatabase) {
    super();
  }

  put(grant: Grant): Promise<void> {
    const key = { resourceType: grant.resource.type, resourceName: grant.resource.name, subject: grant.subject, action: grant.action };
    return this.db.use(async (ds) => {
      const repository = ds.getRepository(GrantRow);
      if (await repository.existsBy(key)) return;
      try {
        await repository.insert({ ...key, grantedBy: grant.grantedBy, grantedAt: grant.grantedAt });
      } catch (error) {
        if (!(await repository.existsBy(key))) throw error;
      }
    });
  }

  delete(type: ResourceType, name: string, subject: string, action: GrantAction): Promise<boolean> {
    return this.db.use(async (ds) => {
      const { affected } = await ds.getRepository(GrantRow).delete({ resourceType: type, resourceName: name, subject, action });
      return (affected ?? 0) > 0;
    });
  }

  list(query: GrantQuery): Promise<Grant[]> {
    const where: FindOptionsWhere<GrantRow> = {};
    if (query.resource) {
      where.resourceType = query.resource.type;
      where.resourceName = query.resource.name;
    }
    if (query.subject !== undefined) where.subject = query.subject;
    return this.db.use(async (ds) =>
      (await ds.getRepository(GrantRow).find({ where, order: { resourceType: 'ASC', resourceName: 'ASC', subject: 'ASC', action: 'ASC' } })).map(toGrant),
    );
  }

  has(type: ResourceType, name: string, subject: string, action: GrantAction): Promise<boolean> {
    return this.db.use((ds) => ds.getRepository(GrantRow).existsBy({ resourceType: type, resourceName: name, subject, action }));
  }

  deleteForResource(type: ResourceType, name: string): Promise<void> {
    return this.db.use(async (ds) => {
      await ds.getRepository(GrantRow).delete({ resourceType: type, resourceName: name });
    });
  }
}
