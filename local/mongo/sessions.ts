/** Logical sessions the driver has used, for `$listLocalSessions` and `endSessions`. */
import type { Binary, Document } from "bson";

export class SessionRegistry {
  private readonly sessions = new Map<string, { id: Document; lastUse: Date }>();

  touch(lsid: unknown): void {
    if (!lsid || typeof lsid !== "object") return;
    const id = (lsid as { id?: Binary }).id;
    if (!id) return;
    this.sessions.set(Buffer.from(id.buffer).toString("hex"), { id: lsid as Document, lastUse: new Date() });
  }

  end(lsids: unknown[]): void {
    for (const lsid of lsids) {
      const id = (lsid as { id?: Binary })?.id;
      if (id) this.sessions.delete(Buffer.from(id.buffer).toString("hex"));
    }
  }

  list(): Document[] {
    return [...this.sessions.values()].map(({ id, lastUse }) => ({ _id: { id: id.id, uid: Buffer.alloc(32) }, lastUse }));
  }
}
