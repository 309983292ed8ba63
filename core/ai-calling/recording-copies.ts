/**
 * Copies a call's recording from Exotel into our recordings bucket and points the call log's
 * `recordingUrl` at the copy. Exotel's links expire (5–60 min), so a copy that fails keeps
 * Exotel's link in `recordingUrl` as the mark of a pending copy; the `retry-call-recordings` cron
 * fetches fresh details and tries again for a week. Nothing is lost when S3 or Exotel is down.
 *
 * @example
 * await copyRecording({ callLog, exotel, url: details.recordingUrl }); // "copied" | "pending"
 */
import { openRepository } from "../db/repository.ts";
import { withDriverErrors } from "../db/errors.ts";
import { log } from "../log.ts";
import { buckets, s3 } from "../storage/client.ts";
import { RECORDING_EXTENSIONS, saveRecording } from "../storage/recordings.ts";
import { callLogs, type CallLog } from "./call-logs.ts";
import { objectUrlOf, ourRecordingKey } from "./call-recordings.ts";
import type { ExotelApi } from "./exotel-api.ts";

export async function copyRecording({ callLog, exotel, url }: { callLog: CallLog; exotel: ExotelApi; url: string }): Promise<"copied" | "pending"> {
  if (ourRecordingKey(callLog.recordingUrl)) return "copied";
  const { collection } = openRepository(callLogs);
  try {
    const { body, contentType } = await exotel.fetchRecording(url);
    const { key } = await saveRecording({
      client: s3(), bucket: buckets().recordings, system: "ai-calling",
      callId: callLog.exotelCallSid ?? callLog.sessionId, contentType: audioType(contentType, url), body, at: callLog.startedAt ?? callLog.createdAt,
    });
    await withDriverErrors(() => collection.updateOne({ _id: callLog._id }, { $set: { recordingUrl: objectUrlOf(key), updatedAt: new Date() } }));
    return "copied";
  } catch (error) {
    log.warn("recording copy failed; it is retried by the retry-call-recordings cron", { sessionId: callLog.sessionId, error });
    await withDriverErrors(() =>
      collection.updateOne({ _id: callLog._id, recordingUrl: { $not: /^s3:\/\// } }, { $set: { recordingUrl: url, updatedAt: new Date() } }),
    ).catch(() => undefined);
    return "pending";
  }
}

/** S3-hosted recordings often come back as octet-stream: the file name tells what they are. */
function audioType(contentType: string, url: string): string {
  const type = contentType.split(";")[0].trim().toLowerCase();
  if (Object.hasOwn(RECORDING_EXTENSIONS, type)) return type;
  const extension = new URL(url).pathname.split(".").pop()?.toLowerCase();
  return ({ mp3: "audio/mpeg", wav: "audio/wav", ogg: "audio/ogg", webm: "audio/webm" } as Record<string, string>)[extension ?? ""] ?? type;
}
