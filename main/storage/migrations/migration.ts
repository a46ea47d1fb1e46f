import type Database from 'better-sqlite3';

/**
 * One numbered schema step. Migrations are immutable once released: a change to the schema is
 * a new migration, never an edit of an old one, because databases in the field already ran it.
 * `version` is the `PRAGMA user_version` the database has once this step is applied.
 */
export type Migration =
  | { readonly version: number; readonly name: string; readonly sql: string }
  | { readonly version: number; readonly name: string; readonly up: (db: Database.Database) => void };
