/**
 * Sending and request-with-ack over an IPC port (a cluster Worker in the arbiter, `process` in a
 * worker). Sends never throw: a port that closed under us (the worker died) just drops the message,
 * and the arbiter learns of the death from the exit event instead.
 */
import type { Message } from './messages.js'

export interface Port {
  send?(message: unknown, callback?: (err: Error | null) => void): boolean
  on(event: 'message', listener: (message: unknown) => void): unknown
  off(event: 'message', listener: (message: unknown) => void): unknown
  isConnected?(): boolean
  connected?: boolean
}

export function send(port: Port, message: Message): void {
  if (!port.send || port.connected === false || port.isConnected?.() === false) return
  try {
    port.send(message, () => {})
  } catch {
    // ERR_IPC_CHANNEL_CLOSED: the other side is gone; its exit is handled elsewhere.
  }
}

let nextSeq = 1

type Reply = Extract<Message, { ack: number }>
/** A message that expects an answer, without its seq (request() numbers it). Either side may ask. */
type Asking = Extract<Message, { seq: number }> extends infer M ? M extends { seq: number } ? Omit<M, 'seq'> : never : never

/** Send a message with a fresh `seq` and wait for the reply that acks it, or undefined after timeoutMs. */
export function request<R extends Reply>(port: Port, message: Asking, timeoutMs: number): Promise<R | undefined> {
  const seq = nextSeq++
  return new Promise((resolve) => {
    const onMessage = (m: unknown) => {
      if (typeof m === 'object' && m !== null && (m as { ack?: number }).ack === seq) finish(m as R)
    }
    const timer = setTimeout(() => finish(undefined), timeoutMs)
    const finish = (reply: R | undefined) => {
      clearTimeout(timer)
      port.off('message', onMessage)
      resolve(reply)
    }
    port.on('message', onMessage)
    send(port, { ...message, seq } as Message)
  })
}
