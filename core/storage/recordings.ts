/**
 * Call recordings for the telephony systems, stored at
 * `recordings/<system>/<yyyy>/<mm>/<callId>.<ext>` so that one system's recordings of one
 * month list under one prefix (for retention and exports). The month is the call's, in UTC.
 */
import type { Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import { UnsupportedMediaTypeError, ValidationError } from "#core/errors.ts";
import { presignedGetUrl, putObject, type PresignInput } from "./objects.ts";

/** The audio types the providers deliver, and the extension each is stored under. */
export const RECORDING_EXTENSIONS = {
  "audio/wav": "wav",
  "audio/x-wav": "wav",
  "audio/mpeg": "mp3",
  "audio/ogg": "ogg",
  "audio/webm": "webm",
} as const;

export interface RecordingKeyInput {
  /** The telephony system (`ai-calling`), the first level under `recordings/`. */
  system: string;
  /** The provider's call ID (Twilio `CallSid`, Exotel `CallSid`, Meta call ID). */
  callId: string;
  extension: string;
  /** When the call happened; default now. */
  at?: Date;
}

/** A stream must state its length: S3's PutObject refuses a body of unknown length. */
export type RecordingBody = { body: Uint8Array; contentLength?: never } | { body: Readable; contentLength: number };

export type SaveRecordingInput = RecordingBody & {
  client: S3Client;
  bucket: string;
  system: string;
  callId: string;
  /** One of `RECORDING_EXTENSIONS`' types; parameters (`; codecs=opus`) are ignored. */
  contentType: string;
  at?: Date;
};

/** Letters and digits first, then also `_ . = -`: a key segment never holds `/` or starts with a dot. */
const SEGMENT = /^[A-Za-z0-9][\w.=-]*$/;

/**
 * The object key of a call's recording.
 *
 * @example
 * recordingKey({ system: "ai-calling", callId: "CA42", extension: "mp3", at: new Date("2025-03-09T10:00:00Z") });
 * // "recordings/ai-calling/2025/03/CA42.mp3"
 */
export function recordingKey({ system, callId, extension, at = new Date() }: RecordingKeyInput): string {
  const problems = Object.entries({ system, callId, extension })
    .filter(([, value]) => !SEGMENT.test(value))
    .map(([path]) => ({ path, message: "must be letters, digits, _ . = - and start with a letter or digit" }));
  if (problems.length > 0) throw new ValidationError(problems);
  const month = String(at.getUTCMonth() + 1).padStart(2, "0");
  return `recordings/${system}/${at.getUTCFullYear()}/${month}/${callId}.${extension}`;
}

/**
 * Stores a call's recording and returns where it went and how many bytes it holds.
 *
 * @example
 * const { key, size } = await saveRecording({ client, bucket, system: "ai-calling", callId, body: audio, contentType: "audio/mpeg" });
 */
export async function saveRecording(input: SaveRecordingInput): Promise<{ key: string; size: number }> {
  const { client, bucket, system, callId, contentType, at, ...payload } = input;
  const type = contentType.split(";")[0].trim().toLowerCase();
  if (!Object.hasOwn(RECORDING_EXTENSIONS, type)) throw new UnsupportedMediaTypeError(Object.keys(RECORDING_EXTENSIONS).join(", "));
  const extension = RECORDING_EXTENSIONS[type as keyof typeof RECORDING_EXTENSIONS];
  const key = recordingKey({ system, callId, extension, at });
  await putObject({ client, bucket, key, contentType: type, ...payload });
  return { key, size: sizeOf(payload) };
}

/**
 * A time-limited URL to play or download a recording (default 15 minutes).
 *
 * @example
 * const url = await recordingUrl({ client, bucket, key: call.recordingKey, expiresIn: 300 });
 */
export async function recordingUrl(input: PresignInput): Promise<string> {
  return presignedGetUrl(input);
}

/** Bytes stored: S3 refuses a stream that does not match its declared length, so that is the size. */
function sizeOf(payload: RecordingBody): number {
  return payload.body instanceof Uint8Array ? payload.body.byteLength : (payload.contentLength as number);
}
