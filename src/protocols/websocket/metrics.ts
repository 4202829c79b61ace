/**
 * WebSocket metrics of a worker, on the light families of metrics/families.ts (counted in plain
 * numbers, turned into prom-client's shape only when the arbiter scrapes): the sockets open now,
 * and how many were opened. The arbiter sums them across workers.
 */
import { CounterFamily, GaugeFamily, PREFIX, register, type Count, type Level } from '../../metrics/families.js'

export class WebSocketMetrics {
  readonly #open: Level
  readonly #opened: Count

  constructor() {
    this.#open = register(new GaugeFamily(`${PREFIX}websocket_connections`, 'WebSocket (and other upgraded) connections open now.', [])).labels()
    this.#opened = register(new CounterFamily(`${PREFIX}websocket_connections_total`, 'WebSocket (and other upgraded) connections accepted.', [])).labels()
  }

  opened(): void {
    this.#open.value++
    this.#opened.inc()
  }

  closed(): void {
    this.#open.value--
  }
}
