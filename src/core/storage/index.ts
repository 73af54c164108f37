export {
  connectDatabase,
  databaseHealth,
  DEFAULT_MIGRATIONS_DIR,
  migrate,
  migrationsDirFor,
  openDatabase,
  readMigrations,
} from './database.js';
export type { ConnectDatabaseOptions, DatabaseTarget, MigrationFile, OpenDatabaseOptions } from './database.js';
export type { SqlClient, SqlDialect, SqlExecutor, SqlParams, SqlRunResult, SqlValue } from './sql.js';
export { SqliteClient } from './sqlite-client.js';
export { InstructionStore } from './instruction-store.js';
export type {
  InstructionAction,
  InstructionChange,
  InstructionVersion,
  ScopeKey,
  ScopeKind,
  ScopePlatform,
} from './instruction-store.js';
export { MessageClaims } from './message-claims.js';
export { ReplyLog, versionsFrom } from './reply-log.js';
export type { InstructionVersions, ReplyRecord, ReplySnapshot } from './reply-log.js';
export { ReportStore } from './report-store.js';
export type { FileReportInput, ReportFilter, ReportRecord } from './report-store.js';
export { ComplianceStore } from './compliance-store.js';
export type { CheckedReplyRow, StoredDerivation, StoredReplyCheck } from './compliance-store.js';
export { RequestClaims } from './request-claims.js';
export type { RequestRef } from './request-claims.js';
export { deploymentSecret } from './deployment-secret.js';
export { checkpointAndTruncate, redactPerson, REMOVED } from './forget-person.js';
