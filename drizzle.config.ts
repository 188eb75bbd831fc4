import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  // Plain SQL files: the Node migrator reads them with their journal, and wrangler applies the same files to D1.
  out: './src/db/migrations',
});
