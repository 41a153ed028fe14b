// The shape of a hookhouse command: enough to print its --help and run it.
import type { SettingName } from '../lib/config.ts'

export interface Command {
  name: string
  summary: string
  usage: string
  options: string[]
  /** Environment variables the command reads, listed in its --help. */
  settings: SettingName[]
  run(argv: string[]): Promise<void>
}
