/**
 * Which open transaction has written which document, and which namespace each is creating. The
 * first writer keeps a document until it commits or aborts; another transaction writing it meanwhile
 * gets a write conflict, as on the server (writes outside transactions are not held back: the
 * transaction finds the document changed and conflicts instead).
 */
import type { CollectionStore } from "../storage/collection-store.ts";

export interface LockOwner {
  readonly txnNumber: number;
}

export class WriteLocks {
  private readonly documents = new Map<CollectionStore, Map<string, LockOwner>>();
  private readonly namespaces = new Map<string, LockOwner>();

  /** Takes the document for `owner`; false when another transaction holds it. */
  claimDocument(owner: LockOwner, collection: CollectionStore, docKey: string): boolean {
    let held = this.documents.get(collection);
    if (!held) this.documents.set(collection, (held = new Map()));
    const holder = held.get(docKey);
    if (holder && holder !== owner) return false;
    held.set(docKey, owner);
    return true;
  }

  claimNamespace(owner: LockOwner, namespace: string): boolean {
    const holder = this.namespaces.get(namespace);
    if (holder && holder !== owner) return false;
    this.namespaces.set(namespace, owner);
    return true;
  }

  /** Releases everything `owner` holds, given what it wrote and created. */
  release(owner: LockOwner, written: Iterable<[CollectionStore, Iterable<string>]>, created: Iterable<string>): void {
    for (const [collection, docKeys] of written) {
      const held = this.documents.get(collection);
      if (!held) continue;
      for (const docKey of docKeys) if (held.get(docKey) === owner) held.delete(docKey);
      if (held.size === 0) this.documents.delete(collection);
    }
    for (const namespace of created) if (this.namespaces.get(namespace) === owner) this.namespaces.delete(namespace);
  }
}
