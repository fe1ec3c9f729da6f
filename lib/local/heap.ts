/** A binary min-heap: the invoker's queue of invocations by due time. */
export class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly key: (item: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as T;
      if (this.key(p) <= this.key(item)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      let smallestKey = this.key(last);
      if (left < items.length && this.key(items[left] as T) < smallestKey) {
        smallest = left;
        smallestKey = this.key(items[left] as T);
      }
      if (right < items.length && this.key(items[right] as T) < smallestKey) smallest = right;
      if (smallest === i) break;
      items[i] = items[smallest] as T;
      i = smallest;
    }
    items[i] = last;
    return top;
  }

  /** Every item, in no particular order (for statistics). */
  values(): readonly T[] {
    return this.items;
  }
}
