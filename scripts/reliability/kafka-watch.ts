// What Kafka says about a run: how many records the log holds and how far a consumer group has
// committed, for progress lines and for "the projector has caught up". Every call is bounded in
// time, because during a broker outage kafkajs would otherwise retry for a long while.
import { AssignerProtocol, Kafka, logLevel, type Admin } from 'kafkajs'

export interface PartitionState {
  partition: number
  /** Offset after the last record. */
  high: bigint
  /** Offset the group will read next (its committed offset, or the partition start). */
  committed: bigint
}

export class KafkaWatch {
  readonly #admin: Admin
  #connected: Promise<void> | undefined

  constructor(brokers: string[]) {
    this.#admin = new Kafka({
      brokers,
      clientId: 'hookhouse-reliability',
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 200 },
      connectionTimeout: 2000,
      requestTimeout: 5000,
    }).admin()
  }

  async #ready(): Promise<Admin> {
    this.#connected ??= this.#admin.connect().catch((err: unknown) => {
      this.#connected = undefined
      throw err
    })
    await this.#connected
    return this.#admin
  }

  /** Per partition: end of the log and the group's position; undefined when Kafka is down. */
  async partitions(topic: string, group: string): Promise<PartitionState[] | undefined> {
    try {
      return await withTimeout(
        (async () => {
          const admin = await this.#ready()
          const high = await admin.fetchTopicOffsets(topic)
          const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
          return high.map((h) => {
            const c = committed?.partitions.find((p) => p.partition === h.partition)
            const at = c === undefined || c.offset === '-1' ? h.low : c.offset
            return { partition: h.partition, high: BigInt(h.high), committed: BigInt(at) }
          })
        })(),
        8000,
      )
    } catch {
      return undefined
    }
  }

  /** Records in the log and records the group has committed past, summed over partitions. */
  async totals(
    topic: string,
    group: string,
  ): Promise<{ end: number; committed: number } | undefined> {
    const parts = await this.partitions(topic, group)
    if (!parts) return undefined
    return {
      end: Number(parts.reduce((n, p) => n + p.high, 0n)),
      committed: Number(parts.reduce((n, p) => n + p.committed, 0n)),
    }
  }

  /** Partitions of `topic` each member of the group holds, one entry per member. */
  async assignments(group: string, topic: string): Promise<number[][]> {
    const admin = await this.#ready()
    const [described] = (await withTimeout(admin.describeGroups([group]), 8000)).groups
    return (described?.members ?? []).map((m) => {
      const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment)
      return decoded?.assignment[topic] ?? []
    })
  }

  /** Waits until `check` holds (polled), failing with `what` after timeoutMs. */
  async until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (await check().catch(() => false)) return
      await new Promise((r) => setTimeout(r, 250))
    }
    throw new Error(`${what}: not within ${timeoutMs} ms`)
  }

  /** Partition count of a topic. */
  async partitionCount(topic: string): Promise<number> {
    const admin = await this.#ready()
    // Just after creation the metadata may not be everywhere yet: ask again for a while.
    for (let attempt = 1; ; attempt++) {
      try {
        const meta = await admin.fetchTopicMetadata({ topics: [topic] })
        return meta.topics[0]?.partitions.length ?? 0
      } catch (err) {
        if (attempt >= 40) throw err
        await new Promise((r) => setTimeout(r, 250))
      }
    }
  }

  /** Waits until the group has committed every record the log holds now. */
  async waitCaughtUp(topic: string, group: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    let target: PartitionState[] | undefined
    while (Date.now() < deadline) {
      const parts = await this.partitions(topic, group)
      if (parts) {
        target ??= parts
        const done = target.every((t) => {
          const p = parts.find((x) => x.partition === t.partition)
          return p !== undefined && p.committed >= t.high
        })
        if (done) return
      }
      await new Promise((r) => setTimeout(r, 250))
    }
    throw new Error(`group ${group} did not catch up with ${topic} within ${timeoutMs} ms`)
  }

  async close(): Promise<void> {
    if (this.#connected) await this.#admin.disconnect().catch(() => {})
  }
}

export async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new Error(`no answer within ${ms} ms`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}
