import type { FindOptionsWhere } from 'typeorm';
import { DomainError } from '@app/common/domain-error';
import { GrantStore, type GrantQuery } from '@app/storage/ports/grant.store';
import type { Grant, GrantAction, ResourceType } from '@app/domain/grant';
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

type GrantKey = Pick<GrantRow, 'resourceType' | 'resourceName' | 'subject' | 'action'>;

/**
 * Rows the database matched that are not exactly the asked one. The columns compare exactly
 * (binary collations since ExactIdentifiers1764900000000), but mssql's `=` ignores trailing spaces
 * under any collation: a grant to `alice` must not serve `alice `.
 */
function exactly(where: Partial<GrantKey>): (row: GrantRow) => boolean {
  return (row) => Object.entries(where).every(([field, value]) => row[field as keyof GrantKey] === value);
}

/** Grants beside the SQL catalog. put keeps the first grant (idempotent). */
export class SqlGrantStore extends GrantStore {
  constructor(private readonly db: SqlDatabase) {
    super();
  }

  put(grant: Grant): Promise<void> {
    const key: GrantKey = { resourceType: grant.resource.type, resourceName: grant.resource.name, subject: grant.subject, action: grant.action };
    return this.db.use(async (ds) => {
      const repository = ds.getRepository(GrantRow);
      const exists = async () => (await repository.findBy(key)).some(exactly(key));
      if (await exists()) return;
      try {
        await repository.insert({ ...key, grantedBy: grant.grantedBy, grantedAt: grant.grantedAt });
      } catch (error) {
        if (await exists()) return;
        if ((await repository.findBy(key)).length) {
          throw new DomainError(
            'INVALID_PERMISSION',
            'A grant of this right to a subject that differs only by trailing spaces exists; this database cannot hold both',
          );
        }
        throw error;
      }
    });
  }

  delete(type: ResourceType, name: string, subject: string, action: GrantAction): Promise<boolean> {
    const key: GrantKey = { resourceType: type, resourceName: name, subject, action };
    return this.db.use(async (ds) => {
      const repository = ds.getRepository(GrantRow);
      if (!(await repository.findBy(key)).some(exactly(key))) return false;
      const { affected } = await repository.delete(key);
      return (affected ?? 0) > 0;
    });
  }

  list(query: GrantQuery): Promise<Grant[]> {
    const where: FindOptionsWhere<GrantRow> & Partial<GrantKey> = {};
    if (query.resource) {
      where.resourceType = query.resource.type;
      where.resourceName = query.resource.name;
    }
    if (query.subject !== undefined) where.subject = query.subject;
    return this.db.use(async (ds) =>
      (await ds.getRepository(GrantRow).find({ where, order: { resourceType: 'ASC', resourceName: 'ASC', subject: 'ASC', action: 'ASC' } }))
        .filter(exactly(where))
        .map(toGrant),
    );
  }

  has(type: ResourceType, name: string, subject: string, action: GrantAction): Promise<boolean> {
    const key: GrantKey = { resourceType: type, resourceName: name, subject, action };
    return this.db.use(async (ds) => (await ds.getRepository(GrantRow).findBy(key)).some(exactly(key)));
  }

  deleteForResource(type: ResourceType, name: string): Promise<void> {
    return this.db.use(async (ds) => {
      await ds.getRepository(GrantRow).delete({ resourceType: type, resourceName: name });
    });
  }
}
