// Which project and group an event belongs to. Payloads name the project in several places
// depending on version and kind (seed quirks: GitLab 8 has no project.id, GitLab 6 issue and MR
// bodies only carry object_attributes, AtomGit MRs have only source/target_project_id).
import { int, obj, str, type Json } from './fields.ts'

export interface ProjectRef {
  id: number | null
  path: string | null
  group: string | null
}

export function projectOf(body: Json, kind: string): ProjectRef {
  const project = obj(body.project)
  const attrs = obj(body.object_attributes)
  const mr = kind === 'merge_request'
  const id =
    int(project?.id) ??
    int(body.project_id) ??
    (mr ? int(attrs?.target_project_id) : null) ??
    int(attrs?.project_id) ??
    (mr ? null : int(attrs?.target_project_id))
  const path =
    str(project?.path_with_namespace) ??
    pathFromUrl(str(project?.web_url)) ??
    pathFromUrl(str(obj(body.repository)?.homepage)) ??
    pathFromUrl(str(obj(attrs?.target)?.web_url)) ??
    // Job Hooks name the project only by project_name, which older GitLab fills with the path.
    pathLike(str(body.project_name)) ??
    null
  const group = path && path.includes('/') ? (path.split('/')[0] ?? null) : null
  return { id, path, group }
}

function pathFromUrl(url: string | null): string | null {
  if (!url) return null
  try {
    const p = new URL(url).pathname.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '')
    return p.length > 0 ? p : null
  } catch {
    return null
  }
}

function pathLike(v: string | null): string | null {
  return v && /^[\w.-]+(\/[\w.-]+)+$/.test(v) ? v : null
}
