/**
 * How long database backups are kept. The backups bucket's lifecycle rule (`stacks/storage.ts`)
 * expires objects, and their noncurrent versions, after this many days; the backup job's own
 * pruning reads the same number, so S3 and the job never disagree about what "expired" means.
 */
export const BACKUP_RETENTION_DAYS = 30;
