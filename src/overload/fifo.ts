/**
 * A FIFO with a moving head: shift() without moving the array, which is compacted once most of it
 * has been taken. The admission's queues and the line of resting connections (pace.ts) are these.
 */
export class Fifo<T> {
  #items: (T | undefined)[] = []
  #head = 0
  get length(): number { return this.#items.length - this.#head }
  push(item: T): void { this.#items.push(item) }
  peek(): T | undefined { return this.#items[this.#head] }
  shift(): T | undefined {
    const item = this.#items[this.#head]
    this.#items[this.#head++] = undefined
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }
}
