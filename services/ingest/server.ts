// The ingest's HTTP surface. The path of a delivery reads top to bottom in receiveWebhook:
// authenticate, parse, normalise, encode, append durably, answer.
//
// GitLab disables a hook after 4 failed deliveries in a row, 4xx included (DESIGN.md), so an
// authenticated delivery whose body parses is always stored and answered 2xx, whatever its kind;
// only a failed authentication (401) or a body that cannot be parsed at all (400/413/415) is
// refused, and then the raw bytes go to the dead-letter topic.
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Codec } from '../../lib/avro/codec.ts'
import type { DeadLetter, Event } from '../../lib/avro/types.generated.ts'
import type { Logger } from '../../lib/logger.ts'
import { checkSignature, checkToken, type AuthConfig } from './auth.ts'
import { header, readDelivery, type DeliveryInfo } from './delivery.ts'
import { errors, IngestError } from './errors.ts'
import { RecordTooLargeError, type EventLog } from './event-log.ts'
import type { IngestMetrics } from './metrics.ts'
import { normalise } from './normalise/index.ts'
import { parseWebhookBody } from './parse-body.ts'
import { SpoolFullError } from './spool.ts'

export interface IngestAppOptions {
  auth: AuthConfig
  eventLog: EventLog
  eventCodec: Codec<Event>
  deadLetterCodec: Codec<DeadLetter>
  topic: string
  deadLetterTopic: string
  bodyLimit: number
  log: Logger
  metrics: IngestMetrics
}

export interface AcceptedBody {
  id: string
  kind: string
  /** Where the event is durable: acknowledged by Kafka, or in the local spool until Kafka returns. */
  stored: 'kafka' | 'spool'
  problems?: string[]
}

declare module 'fastify' {
  interface FastifyRequest {
    authMethod?: string
  }
}

export function buildIngestApp(
  opts: IngestAppOptions,
): FastifyInstance<Server, IncomingMessage, ServerResponse, Logger> {
  const { metrics, log } = opts
  const app = Fastify({
    // Per-request lines at 1,000 deliveries/s are noise; Fastify's own warnings and errors stay.
    loggerInstance: log.child({ service: 'ingest' }, { level: 'warn' }),
    bodyLimit: opts.bodyLimit,
    // GitLab waits 10 s; an answer after that is a failed delivery anyway.
    connectionTimeout: 30_000,
    requestTimeout: 10_000,
    return503OnClosing: true,
  })

  // Bodies are kept as bytes: the original is stored, and parsing is ours (tolerant, and a
  // failure must keep the bytes for the dead-letter topic).
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))

  const deadLetter = async (
    code: string,
    reason: string,
    d: DeliveryInfo | null,
    body: Buffer,
    eventId: string | null,
  ) => {
    metrics.deadLetters.inc({ code })
    const value = opts.deadLetterCodec.encode({
      reason,
      code,
      received_at: Date.now(),
      source: d?.source ?? null,
      event_id: eventId,
      headers: d?.kept ?? {},
      body,
    })
    try {
      await opts.eventLog.append({
        topic: opts.deadLetterTopic,
        key: eventId ? Buffer.from(eventId) : null,
        value,
      })
    } catch (err) {
      log.error({ err: (err as Error).message, code }, 'could not keep a dead letter')
    }
  }

  const refuse = (reply: FastifyReply, err: IngestError, source = 'unknown') => {
    metrics.received.inc({ source, kind: 'none', status: String(err.statusCode) })
    return reply.code(err.statusCode).send(err.toBody())
  }

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method !== 'POST' || !req.url.startsWith('/webhooks')) return
    const result = checkToken(opts.auth, req.headers)
    if (!result.ok) {
      log.info({ reason: result.reason, ip: req.ip }, 'webhook refused: authentication failed')
      return refuse(reply, errors.unauthorized(result.reason))
    }
    req.authMethod = result.method
  })

  app.setErrorHandler(async (err: Error & { code?: string; statusCode?: number }, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      // The bytes past the limit were never read; the dead letter keeps the headers and the reason.
      const d = readDelivery(req.headers)
      const e = errors.bodyTooLarge(opts.bodyLimit)
      await deadLetter(e.code, e.message, d, Buffer.alloc(0), null)
      return refuse(reply, e, d.source)
    }
    if (err instanceof IngestError) return refuse(reply, err)
    if (err.statusCode && err.statusCode < 500) {
      return reply
        .code(err.statusCode)
        .send({ error: { code: err.code ?? 'HH_BAD_REQUEST', message: err.message } })
    }
    log.error({ err }, 'unexpected ingest error')
    return reply.code(500).send({ error: { code: 'HH_INTERNAL', message: 'internal error' } })
  })

  app.post('/webhooks', async function receiveWebhook(req, reply) {
    const receivedAt = Date.now()
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    const delivery = readDelivery(req.headers)

    const signed =
      header(req.headers, 'webhook-signature') !== null && opts.auth.signingSecrets.length > 0
    if (signed) {
      const sig = checkSignature(opts.auth, req.headers, body)
      if (!sig.ok) return refuse(reply, errors.unauthorized(sig.reason), delivery.source)
    }

    const parsed = parseWebhookBody(body)
    if (!parsed.ok) {
      const type = header(req.headers, 'content-type') ?? ''
      const err =
        parsed.error.code === 'HH_INVALID_JSON' && type !== '' && !/json/i.test(type)
          ? errors.unsupportedMediaType(type)
          : parsed.error
      await deadLetter(err.code, err.message, delivery, body, null)
      return refuse(reply, err, delivery.source)
    }

    const event = normalise({ delivery, body, json: parsed.value, receivedAt })
    const key =
      event.project_id !== null ? String(event.project_id) : (event.project_path ?? event.event_id)
    let stored: AcceptedBody['stored']
    try {
      stored = await opts.eventLog.append({
        topic: opts.topic,
        key: Buffer.from(key),
        value: encodeEvent(opts.eventCodec, event),
      })
    } catch (err) {
      const e =
        err instanceof SpoolFullError
          ? errors.spoolFull()
          : err instanceof RecordTooLargeError
            ? errors.eventTooLarge(err.message)
            : errors.unavailable((err as Error).message)
      if (err instanceof RecordTooLargeError) {
        await deadLetter(e.code, e.message, delivery, body, event.event_id)
      }
      log.error({ err: (err as Error).message, id: event.event_id }, 'event not stored')
      return refuse(reply, e, delivery.source)
    }
    if (event.problems.length > 0) {
      // Stored and answered 2xx all the same; the reasons go where an operator looks for them.
      await deadLetter('HH_INCOMPLETE', event.problems.join('; '), delivery, body, event.event_id)
    }
    const status = stored === 'kafka' ? 200 : 202
    metrics.received.inc({ source: event.source, kind: event.kind, status: String(status) })
    const answer: AcceptedBody = { id: event.event_id, kind: event.kind, stored }
    if (event.problems.length > 0) answer.problems = event.problems
    return reply.code(status).send(answer)
  })

  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async (_req, reply) => {
    const log = opts.eventLog
    const spoolRoom = log.spoolBytes < log.spoolMaxBytes * 0.9
    const ready = log.kafkaHealthy || spoolRoom
    return reply.code(ready ? 200 : 503).send({
      ready,
      kafka: log.kafkaHealthy ? 'ok' : 'unreachable',
      spool: { depth: log.spoolDepth, bytes: log.spoolBytes, maxBytes: log.spoolMaxBytes },
    })
  })

  app.get('/metrics', async (_req, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })

  return app
}

/**
 * Encodes the event; if a typed record will not encode (a payload value outside what its Avro
 * type takes), the envelope and original bytes are stored without it and the reason is kept, so
 * a parseable delivery is never refused for it.
 */
function encodeEvent(codec: Codec<Event>, event: Event): Buffer {
  try {
    return codec.encode(event)
  } catch (err) {
    event.problems.push(`typed record not stored: ${(err as Error).message}`)
    return codec.encode({
      ...event,
      occurred_at: null,
      push: null,
      merge_request: null,
      note: null,
      pipeline: null,
      job: null,
      deployment: null,
      release: null,
      issue: null,
    })
  }
}
