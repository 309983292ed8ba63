/**
 * Our copies of call recordings. A call log's `recordingUrl` names our copy as
 * `s3://<recordings bucket>/<key>`; reads turn it into a short-lived presigned GET URL, so the
 * bucket stays private. Any other value (the document's example holds a plain https URL, and a
 * recording not yet copied keeps none) is shown as it is.
 *
 * @example
 * const url = objectUrlOf(key);                        // "s3://recordings/recordings/ai-calling/2026/06/CA42.mp3"
 * const shown = await presentRecordingUrl(log.recordingUrl); // "https://…?X-Amz-Signature=…"
 */
import { buckets, s3 } from "../storage/client.ts";
import { recordingUrl } from "../storage/recordings.ts";

/** How long a presigned recording link stays valid. */
export const RECORDING_LINK_SECONDS = 900;

/** The `recordingUrl` of a recording stored under `key` in the recordings bucket. */
export const objectUrlOf = (key: string): string => `s3://${buckets().recordings}/${key}`;

/** The key of our copy, when `url` names one in the recordings bucket. */
export function ourRecordingKey(url: string | undefined): string | undefined {
  const prefix = `s3://${buckets().recordings}/`;
  return url?.startsWith(prefix) ? url.slice(prefix.length) : undefined;
}

/** What a read shows for a stored `recordingUrl`: a presigned link to our copy, else the value. */
export async function presentRecordingUrl(url: string | undefined): Promise<string | undefined> {
  const key = ourRecordingKey(url);
  if (!key) return url;
  return recordingUrl({ client: s3(), bucket: buckets().recordings, key, expiresIn: RECORDING_LINK_SECONDS });
}
