import { sqlStorageContracts } from './sql-contracts';

sqlStorageContracts('mariadb');
