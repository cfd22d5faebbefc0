import { sqlStorageContracts } from './sql-contracts';

// runs when TEST_MYSQL_URL names a MySQL 8 server (mysql://user@host:3306/db); skipped with a notice otherwise
sqlStorageContracts('mysql');
