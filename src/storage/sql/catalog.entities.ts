import { Column, Entity, PrimaryColumn, type ValueTransformer } from 'typeorm';

/** bigint columns come back as strings from every driver; epoch milliseconds fit a JS number. */
const epochMs: ValueTransformer = {
  to: (value: number) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

@Entity('mailroom_queues')
export class QueueRow {
  @PrimaryColumn({ type: 'varchar', length: 80 })
  name: string;

  /** the normalized QueueDefinition as JSON (connectionString keeps its ${NAME} placeholders) */
  @Column({ type: 'text' })
  definition: string;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs })
  updatedAt: number;
}

@Entity('mailroom_topics')
export class TopicRow {
  @PrimaryColumn({ type: 'varchar', length: 80 })
  name: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;
}

@Entity('mailroom_bindings')
export class BindingRow {
  @PrimaryColumn({ type: 'varchar', length: 80 })
  topic: string;

  @PrimaryColumn({ type: 'varchar', length: 80 })
  queue: string;
}

@Entity('mailroom_grants')
export class GrantRow {
  @PrimaryColumn({ name: 'resource_type', type: 'varchar', length: 10 })
  resourceType: string;

  @PrimaryColumn({ name: 'resource_name', type: 'varchar', length: 80 })
  resourceName: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  subject: string;

  @PrimaryColumn({ type: 'varchar', length: 20 })
  action: string;

  @Column({ name: 'granted_by', type: 'varchar', length: 255 })
  grantedBy: string;

  @Column({ name: 'granted_at', type: 'varchar', length: 40 })
  grantedAt: string;
}

/** One row (id 1) whose version is bumped by every catalog write; replicas poll it. */
@Entity('mailroom_catalog_version')
export class CatalogVersionRow {
  @PrimaryColumn({ type: 'int' })
  id: number;

  @Column({ type: 'bigint', transformer: epochMs })
  version: number;
}

export const CATALOG_ENTITIES = [QueueRow, TopicRow, BindingRow, GrantRow, CatalogVersionRow];
