// Folders of the package itself, found from this file so commands work from any directory.
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const migrationsDir = join(repoRoot, 'migrations')
export const schemasDir = join(repoRoot, 'schemas')
export const dashboardsDir = join(repoRoot, 'dashboards')
