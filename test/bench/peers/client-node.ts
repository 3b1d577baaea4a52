/**
 * @kubernetes/client-node peer: `makeInformer` with a paginated listFn (limit 500, following
 * `continue`) — its best use. `sync`: time until `start()` resolves (list applied, watch open),
 * then memory. `watch`: add/update callbacks counted until `expected`.
 */
import * as k8s from "@kubernetes/client-node"
import { emit, eventClock, memory, readConfig } from "../lib/peer.js"

const config = readConfig()
const kc = new k8s.KubeConfig()
kc.loadFromFile(config.kubeconfig)
const core = kc.makeApiClient(k8s.CoreV1Api)

const listFn = async (): Promise<k8s.V1ConfigMapList> => {
  const items: Array<k8s.V1ConfigMap> = []
  let cont: string | undefined
  let resourceVersion: string | undefined
  do {
    const page = await core.listConfigMapForAllNamespaces({ limit: 500, _continue: cont })
    for (const item of page.items) {
      if (config.strip && item.metadata !== undefined) item.metadata.managedFields = undefined
      items.push(item)
    }
    cont = page.metadata?._continue || undefined
    resourceVersion = page.metadata?.resourceVersion
  } while (cont !== undefined)
  return { apiVersion: "v1", kind: "ConfigMapList", metadata: { resourceVersion }, items }
}

const informer = k8s.makeInformer(kc, "/api/v1/configmaps", listFn)
informer.on("error", (error: unknown) => {
  process.stderr.write(`client-node informer error: ${String(error)}\n`)
})

if (config.mode === "sync") {
  const base = memory()
  const start = performance.now()
  await informer.start()
  const ms = performance.now() - start
  const count = informer.list().length
  const after = memory()
  emit({ ms, count, heapBytes: after.heap - base.heap, rssBytes: after.rss - base.rss })
} else {
  const clock = eventClock(config.expected)
  const finished = new Promise<void>((resolve) => {
    const bump = (): void => {
      if (clock.tick()) resolve()
    }
    informer.on("add", bump)
    informer.on("update", bump)
  })
  await informer.start()
  await finished
  emit(clock.result())
}
