import { InitialSchema1764000000000 } from '@app/storage/sql/migrations/1764000000000-initial-schema';

/** Every migration, oldest first. `migrations/` at the top level points here. */
export const SQL_MIGRATIONS = [InitialSchema1764000000000];
