import { sqlStorageContracts } from './sql-contracts';

sqlStorageContracts('postgres');
