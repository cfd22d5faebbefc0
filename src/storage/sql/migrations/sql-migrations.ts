import { InitialSchema1764000000000 } from '@app/storage/sql/migrations/1764000000000-initial-schema';
import { ExactIdentifiers1764900000000 } from '@app/storage/sql/migrations/1764900000000-exact-identifiers';
import { FifoGroups1765100000000 } from '@app/storage/sql/migrations/1765100000000-fifo-groups';
import { SenderRoles1765200000000 } from '@app/storage/sql/migrations/1765200000000-sender-roles';
import { DeduplicationId1765300000000 } from '@app/storage/sql/migrations/1765300000000-deduplication-id';

/** Every migration, oldest first. `migrations/` at the top level points here. */
export const SQL_MIGRATIONS = [InitialSchema1764000000000, ExactIdentifiers1764900000000, FifoGroups1765100000000, SenderRoles1765200000000, DeduplicationId1765300000000];
