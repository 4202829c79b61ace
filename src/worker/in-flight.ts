/**
 * The requests a worker is running, oldest first: what heartbeats report, what drain waits for and
 * what a fast stop cuts. Written by hand as an intrusive doubly linked list (each entry carries its
 * own prev/next) because every request enters and leaves it: a Set hashes on both and rehashes as
 * it grows and shrinks, which showed up in the hello profile; this is two pointer writes each way.
 */
export interface Linked<T> {
  prev: T | undefined
  next: T | undefined
}

export class InFlight<T extends Linked<T>> implements Iterable<T> {
  #head: T | undefined
  #tail: T | undefined
  #size = 0

  get size(): number { return this.#size }

  add(entry: T): void {
    entry.prev = this.#tail
    entry.next = undefined
    if (this.#tail) this.#tail.next = entry
    else this.#head = entry
    this.#tail = entry
    this.#size++
  }

  /** Remove an entry that is in the list (the caller knows: it added it). */
  delete(entry: T): void {
    const { prev, next } = entry
    if (prev) prev.next = next
    else this.#head = next
    if (next) next.prev = prev
    else this.#tail = prev
    entry.prev = entry.next = undefined
    this.#size--
  }

  /** Oldest first. Deleting the current entry while iterating is safe. */
  *[Symbol.iterator](): Iterator<T> {
    for (let entry = this.#head; entry; ) {
      const next = entry.next
      yield entry
      entry = next
    }
  }
}
