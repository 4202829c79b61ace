/**
 * transfer(): mark what a task returns to be moved to the caller's thread instead of copied. A
 * large result (an image, a parsed file) then crosses without a copy; the task must not use it
 * again. Marked with a registered symbol, so a task module needs nothing of corral's but this file
 * (and works the same if it reaches a second copy of corral).
 */
export const TRANSFER = Symbol.for('corral.offload.transfer')

/** Whether a view covers all of its buffer: only then may the buffer move without taking other data with it. */
export const ownsBuffer = (view: ArrayBufferView) => view.byteOffset === 0 && view.byteLength === view.buffer.byteLength

/**
 * Return `transfer(bytes)` from a task to move the bytes rather than copy them. A Buffer that is a
 * slice of Node's shared pool (small Buffer.from / allocUnsafe results) does not own its memory:
 * that one is copied, as without transfer().
 */
export function transfer<T extends ArrayBuffer | ArrayBufferView>(value: T): T {
  Object.defineProperty(value, TRANSFER, { value: true, configurable: true, enumerable: false })
  return value
}
