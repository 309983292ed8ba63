/**
 * What a call costs, in credits (one credit = one unit of the account's currency), split as the
 * call log's `costBreakdown` is: speech-to-text by the minute of audio, the LLM by the tokens of
 * the conversation, text-to-speech by the characters the agent spoke, telephony at Exotel's own
 * price when its call details give one (else by the started minute). The rates are the list
 * prices the document's example call works out to (330 s: stt 0.022, telephony 0.03).
 *
 * @example
 * const cost = callCost({ durationSec: 330, model: "gpt-4", history, prompt, telephonyPrice: 0.03 });
 * // { stt: 0.022, llm: …, tts: …, telephony: 0.03, total: … }
 */
import type { LLM_MODELS } from "./agents.ts";

export const RATES = {
  sttPerMinute: 0.004,
  telephonyPerMinute: 0.0055,
  ttsPerCharacter: 0.000_002,
  /** Per 1,000 tokens, prompt and completion together. */
  llmPer1kTokens: { "gpt-4": 0.03, "gpt-4-turbo": 0.01, "gpt-3.5-turbo": 0.0015 } satisfies Record<(typeof LLM_MODELS)[number], number>,
} as const;

/** Credits held when a call is placed or answered, settled against its real cost when it ends. */
export const CALL_CREDIT_HOLD = 1;

/** A rough token count, as OpenAI's rule of thumb has it: four characters a token. */
const tokensOf = (text: string): number => Math.ceil(text.length / 4);

export interface CostInput {
  durationSec: number;
  model?: string;
  prompt?: string;
  history: { role: string; content: string }[];
  /** Exotel's price for the call, when its call details give one. */
  telephonyPrice?: number;
}

export interface CostBreakdown {
  stt: number;
  llm: number;
  tts: number;
  telephony: number;
  total: number;
}

export function callCost({ durationSec, model, prompt = "", history, telephonyPrice }: CostInput): CostBreakdown {
  const minutes = Math.max(0, durationSec) / 60;
  // Each agent turn sends the prompt and the conversation so far, and returns its own text.
  let llmTokens = 0;
  let context = tokensOf(prompt);
  for (const turn of history) {
    if (turn.role === "assistant") llmTokens += context + tokensOf(turn.content);
    context += tokensOf(turn.content);
  }
  const rate = RATES.llmPer1kTokens[model as keyof typeof RATES.llmPer1kTokens] ?? RATES.llmPer1kTokens["gpt-4"];
  const spoken = history.filter((turn) => turn.role === "assistant").reduce((sum, turn) => sum + turn.content.length, 0);
  const parts = {
    stt: round(minutes * RATES.sttPerMinute),
    llm: round((llmTokens / 1000) * rate),
    tts: round(spoken * RATES.ttsPerCharacter),
    telephony: round(telephonyPrice !== undefined && telephonyPrice >= 0 ? telephonyPrice : Math.ceil(minutes) * RATES.telephonyPerMinute),
  };
  return { ...parts, total: round(parts.stt + parts.llm + parts.tts + parts.telephony) };
}

/** Six decimals: below a millionth of a credit nothing is billed. */
const round = (value: number): number => Math.round(value * 1e6) / 1e6;
