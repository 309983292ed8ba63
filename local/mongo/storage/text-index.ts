/**
 * A text index: for each term, the documents holding it and the term's score in each (see
 * `TextSpec.scoreDocument`). A `$text` query's candidates are the documents holding any of its
 * terms, and a document's textScore is the sum of its scores for those terms, as the server's
 * TEXT_OR stage adds up the scores of the index keys it reads.
 */
import { CommandError } from "../errors.ts";
import { TextSpec } from "../query/text-spec.ts";
import { valuesAtPath, type Doc } from "../query/paths.ts";
import type { IndexSpec } from "./index-store.ts";

export class TextIndex {
  readonly spec: TextSpec;
  private readonly postings = new Map<string, Map<string, number>>();
  private readonly termsByDoc = new Map<string, string[]>();

  constructor(spec: IndexSpec) {
    this.spec = new TextSpec(spec);
  }

  /** One key holding the document's term scores; throws as the server does on a bad language or an array prefix. */
  keysFor(doc: Doc): unknown[][] {
    for (const field of this.spec.prefixFields) {
      if (valuesAtPath(doc, field).some(Array.isArray)) throw new CommandError(16675, "cannot have a multi-key as a prefix to a text index");
    }
    return [[this.spec.scoreDocument(doc)]];
  }

  add(docKey: string, keys: unknown[][]): void {
    const scores = (keys[0]?.[0] ?? new Map()) as Map<string, number>;
    for (const [term, score] of scores) {
      let posting = this.postings.get(term);
      if (!posting) this.postings.set(term, (posting = new Map()));
      posting.set(docKey, score);
    }
    this.termsByDoc.set(docKey, [...scores.keys()]);
  }

  remove(docKey: string): void {
    for (const term of this.termsByDoc.get(docKey) ?? []) {
      const posting = this.postings.get(term);
      posting?.delete(docKey);
      if (posting?.size === 0) this.postings.delete(term);
    }
    this.termsByDoc.delete(docKey);
  }

  clear(): void {
    this.postings.clear();
    this.termsByDoc.clear();
  }

  get entryCount(): number {
    let count = 0;
    for (const terms of this.termsByDoc.values()) count += terms.length;
    return count;
  }

  /** The documents holding any of `terms`, each with its textScore. */
  scores(terms: Iterable<string>): Map<string, number> {
    const scores = new Map<string, number>();
    for (const term of terms) {
      for (const [docKey, score] of this.postings.get(term) ?? []) scores.set(docKey, (scores.get(docKey) ?? 0) + score);
    }
    return scores;
  }
}
