/** A binary min-heap of (priority, item) pairs, for walks in order of a computed distance. */
export class MinHeap<T> {
  private readonly priorities: number[] = [];
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  push(priority: number, item: T): void {
    let i = this.items.length;
    this.priorities.push(priority);
    this.items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.priorities[parent] <= priority) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): [number, T] | undefined {
    if (!this.items.length) return undefined;
    const top: [number, T] = [this.priorities[0], this.items[0]];
    const lastPriority = this.priorities.pop()!;
    const lastItem = this.items.pop()!;
    if (this.items.length) {
      this.priorities[0] = lastPriority;
      this.items[0] = lastItem;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < this.items.length && this.priorities[left] < this.priorities[smallest]) smallest = left;
        if (right < this.items.length && this.priorities[right] < this.priorities[smallest]) smallest = right;
        if (smallest === i) break;
        this.swap(i, smallest);
        i = smallest;
      }
    }
    return top;
  }

  private swap(a: number, b: number): void {
    [this.priorities[a], this.priorities[b]] = [this.priorities[b], this.priorities[a]];
    [this.items[a], this.items[b]] = [this.items[b], this.items[a]];
  }
}
