/**
 * The raw limit: the same paginated list (or watch) over undici with the same TLS and token,
 * `JSON.parse` of each page (or each NDJSON line), no store: parsed pages are dropped at once, so
 * no GC of retained objects is charged. With `retain` (the `raw (retain)` row) the parsed items
 * are kept — the floor of any cache — and memory is reported; otherwise no memory figure
 * (heapBytes -1): P3 compares against the JSON bytes.
 */
import { Agent, request } from "undici"
import { emit, eventClock, isRecordValue, memory, readConfig } from "../lib/peer.js"

const config = readConfig()
const dispatcher = new Agent({ connect: { ca: config.caPem }, connections: 4 })
const headers = { authorization: `Bearer ${config.token}`, accept: "application/json" }

const strip = (item: unknown): unknown => {
  if (!isRecordValue(item) || !isRecordValue(item.metadata)) return item
  const { managedFields: _dropped, ...metadata } = item.metadata
  return { ...item, metadata }
}

const sync = async (): Promise<void> => {
  const base = config.retain === true ? memory() : undefined
  const kept: Array<ReadonlyArray<unknown>> = []
  const start = performance.now()
  let count = 0
  let cont = ""
  do {
    const query = new URLSearchParams({ limit: "500" })
    if (cont !== "") query.set("continue", cont)
    const res = await request(`${config.url}/api/v1/configmaps?${query}`, { headers, dispatcher })
    const page: unknown = JSON.parse(await res.body.text())
    if (res.statusCode !== 200 || !isRecordValue(page) || !Array.isArray(page.items)) {
      throw new Error(`raw list: HTTP ${res.statusCode}`)
    }
    const items: Array<unknown> = config.strip ? page.items.map(strip) : page.items
    if (base !== undefined) kept.push(items)
    count += items.length
    const metadata = page.metadata
    cont = isRecordValue(metadata) && typeof metadata.continue === "string" ? metadata.continue : ""
  } while (cont !== "")
  const ms = performance.now() - start
  if (base === undefined) {
    emit({ ms, count, heapBytes: -1, rssBytes: -1 })
    return
  }
  // `kept` stays reachable through the measurement.
  Reflect.set(globalThis, "benchKept", kept)
  const after = memory()
  emit({ ms, count, heapBytes: after.heap - base.heap, rssBytes: after.rss - base.rss })
}

const watch = async (): Promise<void> => {
  const clock = eventClock(config.expected)
  const res = await request(`${config.url}/api/v1/configmaps?watch=true&resourceVersion=1&allowWatchBookmarks=true`, {
    headers,
    dispatcher
  })
  let rest: Buffer | undefined
  for await (const data of res.body) {
    const chunk: Buffer = rest === undefined ? data : Buffer.concat([rest, data])
    let from = 0
    let nl = chunk.indexOf(10, from)
    while (nl !== -1) {
      const event: unknown = JSON.parse(chunk.toString("utf8", from, nl))
      if (isRecordValue(event) && clock.tick()) emit(clock.result())
      from = nl + 1
      nl = chunk.indexOf(10, from)
    }
    rest = from < chunk.length ? chunk.subarray(from) : undefined
  }
}

await (config.mode === "sync" ? sync() : watch())
