// What kind of event a delivery is. The body's object_kind wins (it is there from GitLab 8 on);
// system hooks name it in event_name; GitLab 6 pushes have neither and are told by their shape.
import { str, type Json } from './fields.ts'

const byHeader: Record<string, string> = {
  'push hook': 'push',
  'tag push hook': 'tag_push',
  'issue hook': 'issue',
  'confidential issue hook': 'issue',
  'note hook': 'note',
  'confidential note hook': 'note',
  'merge request hook': 'merge_request',
  'wiki page hook': 'wiki_page',
  'pipeline hook': 'pipeline',
  'job hook': 'job',
  'build hook': 'job',
  'deployment hook': 'deployment',
  'release hook': 'release',
  'feature flag hook': 'feature_flag',
  'member hook': 'member',
  'subgroup hook': 'subgroup',
  'emoji hook': 'emoji',
  'resource access token hook': 'access_token',
  'project hook': 'project',
  'vulnerability hook': 'vulnerability',
  'milestone hook': 'milestone',
}

// A Job Hook has object_kind "build" (GitLab's own docs); Issue Hook may carry "work_item".
const byObjectKind: Record<string, string> = { build: 'job', work_item: 'issue' }

export function detectKind(body: Json, eventHeader: string | null): string {
  const objectKind = str(body.object_kind)
  if (objectKind) return byObjectKind[objectKind] ?? objectKind
  const eventName = str(body.event_name)
  if (eventName) return eventName
  if (eventHeader) {
    const k = byHeader[eventHeader.trim().toLowerCase()]
    if (k) return k
  }
  // GitLab 6: a push is the only payload without object_kind; it has ref and before/after.
  if (typeof body.ref === 'string' && ('after' in body || 'commits' in body)) {
    return body.ref.startsWith('refs/tags/') ? 'tag_push' : 'push'
  }
  return 'unknown'
}
