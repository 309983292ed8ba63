/**
 * The S3 buckets, named by their links in the settings catalogue (`Recordings`, `Backups`, read
 * as `Resource.Recordings.name`): both private (SST blocks public access unless `access` is set,
 * and denies non-TLS requests), encrypted by default with S3-managed keys. Backups are versioned
 * and expire, current and noncurrent versions alike, after the backup retention.
 */
import { BACKUP_RETENTION_DAYS } from "#core/backup/retention.ts";
import { SETTINGS } from "#core/config/settings.ts";
import type { DeploySettings } from "./secrets.ts";

export const RECORDINGS = SETTINGS.storage.recordingsBucket.link.name;
export const BACKUPS = SETTINGS.storage.backupsBucket.link.name;

const BACKUPS_RULE_ID = "expire-backups";

/**
 * SST's `lifecycle` expires current versions only; in a versioned bucket that leaves every backup
 * as a noncurrent version forever. The rule the bucket gets (through `transform.lifecycle`) also
 * expires noncurrent versions after the retention, and abandoned multipart uploads after a day.
 */
export function backupsLifecycleRule(): aws.s3.BucketLifecycleConfigurationRule {
  return {
    id: BACKUPS_RULE_ID,
    status: "Enabled",
    filter: {},
    expiration: { days: BACKUP_RETENTION_DAYS },
    noncurrentVersionExpiration: { noncurrentDays: BACKUP_RETENTION_DAYS },
    abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
  };
}

export function createStorage({ corsOrigins }: Pick<DeploySettings, "corsOrigins">): Record<typeof RECORDINGS | typeof BACKUPS, sst.aws.Bucket> {
  const recordings = new sst.aws.Bucket(RECORDINGS, {
    encryption: true,
    // Frontends of the API's origins play or fetch recordings by presigned GET; nothing uploads
    // from a browser (SST's default would allow every method from anywhere).
    cors: { allowOrigins: corsOrigins, allowMethods: ["GET", "HEAD"], maxAge: "600 seconds" },
  });
  const backups = new sst.aws.Bucket(BACKUPS, {
    encryption: true,
    versioning: true,
    // Only the backup and restore functions touch backups, server side.
    cors: false,
    lifecycle: [{ id: BACKUPS_RULE_ID, expiresIn: `${BACKUP_RETENTION_DAYS} days` }],
    transform: {
      lifecycle: (args) => {
        args.rules = [backupsLifecycleRule()];
      },
    },
  });
  return { [RECORDINGS]: recordings, [BACKUPS]: backups } as Record<typeof RECORDINGS | typeof BACKUPS, sst.aws.Bucket>;
}
