import { InitialSchema1764000000000 } from '@app/storage/sql/migrations/1764000000000-initial-schema';
import { ExactIdentifiers1764900000000 } from '@app/storage/sql/migrations/1764900000000-exact-identifiers';

/** Every migration, oldest first. `migrations/` at the top level points here. */
export const SQL_MIGRATIONS = [InitialSchema1764000000000, ExactIdentifiers1764900000000];
