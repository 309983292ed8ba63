/**
 * How Exotel writes values, read into ours: phone numbers in E.164 (Exotel and Indian users write
 * them 0-prefixed or bare), its zone-less India-time timestamps, numbers sent as strings, and
 * recording URLs that may be absent, null or the string "null".
 */
import { E164 } from "./phones.ts";

const MIN_DIGITS = 7;

/**
 * A phone number in E.164, read the ways Exotel and Indian users write them; undefined when it
 * cannot be one (letters, fewer than 7 or more than 15 digits).
 *
 * @example
 * normalizePhoneNumber("09123 456-789"); // "+919123456789"
 * normalizePhoneNumber("0044 20 7946 0958"); // "+442079460958"
 */
export function normalizePhoneNumber(raw: string, defaultCountryCallingCode = "91"): string | undefined {
  const compact = raw.trim().replace(/[\s()-]/g, "");
  let e164: string;
  if (compact.startsWith("+")) e164 = compact;
  else if (compact.startsWith("00")) e164 = `+${compact.slice(2)}`;
  else if (/^0\d{10}$/.test(compact)) e164 = `+${defaultCountryCallingCode}${compact.slice(1)}`;
  else if (/^\d{10}$/.test(compact)) e164 = `+${defaultCountryCallingCode}${compact}`;
  else if (compact.length === defaultCountryCallingCode.length + 10 && compact.startsWith(defaultCountryCallingCode)) e164 = `+${compact}`;
  else return undefined;
  // E.164 allows up to 15 digits; fewer than 7 is no full number anywhere (a country code alone).
  return E164.test(e164) && e164.length > MIN_DIGITS ? e164 : undefined;
}

const IST_OFFSET_MS = (5 * 60 + 30) * 60_000;
const EXOTEL_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

/**
 * An Exotel timestamp (`YYYY-MM-DD HH:mm:ss`, no zone, India time) as a UTC Date; undefined for
 * null, `"null"`, empty or malformed values.
 *
 * @example
 * parseExotelTime("2026-06-02 15:45:00"); // 2026-06-02T10:15:00.000Z
 */
export function parseExotelTime(value: unknown): Date | undefined {
  const match = typeof value === "string" ? EXOTEL_TIME.exec(value.trim()) : null;
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls over impossible dates (Feb 30); refuse them instead.
  const date = new Date(utc);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  return new Date(utc - IST_OFFSET_MS);
}

/**
 * A number Exotel sends as a number or a numeric string (`131`, `"131"`, `"0.800"`).
 *
 * @example
 * parseExotelNumber("0.800"); // 0.8
 */
export function parseExotelNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string" || !/^-?\d+(\.\d+)?$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/**
 * A recording URL when there is one: absent, null, `"null"`, empty and non-http(s) values are none.
 *
 * @example
 * parseRecordingUrl("null"); // undefined
 */
export function parseRecordingUrl(value: unknown): string | undefined {
  const text = typeof value === "string" ? value.trim() : "";
  if (text === "" || text === "null") return undefined;
  try {
    const { protocol } = new URL(text);
    return protocol === "https:" || protocol === "http:" ? text : undefined;
  } catch {
    return undefined;
  }
}
