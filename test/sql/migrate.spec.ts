import { migrate } from '@app/migrate';
import { describeWithDatabase, isolatedDatabase, type IsolatedDatabase } from '../support/databases';

describeWithDatabase('postgres', 'migrate entry point (node dist/migrate.js, the Kubernetes migration Job)', () => {
  let database: IsolatedDatabase;
  beforeAll(async () => {
    database = await isolatedDatabase('postgres');
  });
  afterAll(() => database.drop());

  it('reports pending migrations, applies them from DATABASE_URL, then reports the schema up to date', async () => {
    // as in the image: NODE_ENV=production and no auth setting, which the Job does not need
    const env = { NODE_ENV: 'production', DATABASE_URL: database.url };
    await expect(migrate(['--show'], env)).resolves.toMatch(/migrations are pending$/);
    await expect(migrate([], env)).resolves.toMatch(/migrations applied, schema up to date$/);
    await expect(migrate(['--show'], env)).resolves.toMatch(/up to date$/);
    await expect(migrate([database.url], {})).resolves.toMatch(/schema up to date$/);
  });

  it('fails without DATABASE_URL, and never shows a password', async () => {
    await expect(migrate([], {})).rejects.toThrow(/Set DATABASE_URL/);
    const refused = migrate(['postgres://mailroom:hunter2secret@127.0.0.2:1/nowhere'], {});
    await expect(refused).rejects.toThrow(/127\.0\.0\.2/);
    await expect(refused).rejects.not.toThrow(/hunter2secret/);
  });
});
