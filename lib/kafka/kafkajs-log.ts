// kafkajs logs to the console at ERROR for conditions it retries on its own (a coordinator still
// loading after a broker start, a rebalance in progress). Route its lines into our logger one
// level lower, so they are there when looked for and quiet otherwise.
import { logLevel, type logCreator } from 'kafkajs'
import type { Logger } from '../logger.ts'

export function kafkajsLogCreator(log: Logger): logCreator {
  return () =>
    ({ level, log: entry }) => {
      const { message, ...rest } = entry
      const fields = { kafkajs: true, ...rest }
      if (level === logLevel.ERROR) log.warn(fields, message)
      else if (level === logLevel.WARN) log.info(fields, message)
      else log.debug(fields, message)
    }
}
