// One typed record per kind the projector reads, built from the payload. A builder returns the
// record, or null with the reasons when a field the kind cannot do without is missing: the event
// is stored either way (GitLab disables a hook that keeps failing), and the reasons go to the
// dead-letter topic.
import type {
  Build,
  Deployment,
  Issue,
  Job,
  MergeRequest,
  Note,
  Pipeline,
  Push,
  Release,
} from '../../../lib/avro/types.generated.ts'
import {
  array,
  bool,
  int,
  ints,
  labels,
  num,
  obj,
  str,
  strings,
  time,
  user,
  type Json,
} from './fields.ts'

export interface Built<T> {
  record: T | null
  problems: string[]
}

const missing = <T>(...what: string[]): Built<T> => ({
  record: null,
  problems: what.map((w) => `missing ${w}`),
})

export function toPush(body: Json): Built<Push> {
  const ref = str(body.ref)
  if (!ref) return missing('ref')
  const commits = array(body.commits).flatMap((c) => {
    const id = str(c.id)
    if (!id) return []
    const author = obj(c.author)
    return [
      {
        id,
        message: str(c.message),
        title: str(c.title),
        timestamp: time(c.timestamp),
        url: str(c.url),
        author_name: str(author?.name),
        author_email: str(author?.email),
        added: strings(c.added),
        modified: strings(c.modified),
        removed: strings(c.removed),
      },
    ]
  })
  return {
    record: {
      ref,
      before: str(body.before),
      after: str(body.after),
      checkout_sha: str(body.checkout_sha),
      user: user(body),
      total_commits_count: int(body.total_commits_count) ?? commits.length,
      commits,
    },
    problems: [],
  }
}

export function toMergeRequest(body: Json): Built<MergeRequest> {
  const a = obj(body.object_attributes)
  if (!a) return missing('object_attributes')
  if (int(a.iid) === null && int(a.id) === null) return missing('object_attributes.iid')
  const last = obj(a.last_commit)
  return {
    record: {
      id: int(a.id),
      iid: int(a.iid),
      title: str(a.title),
      state: str(a.state),
      action: str(a.action),
      source_branch: str(a.source_branch),
      target_branch: str(a.target_branch),
      source_project_id: int(a.source_project_id),
      target_project_id: int(a.target_project_id),
      author_id: int(a.author_id),
      assignee_ids: a.assignee_ids ? ints(a.assignee_ids) : ints([a.assignee_id]),
      reviewer_ids: ints(a.reviewer_ids),
      created_at: time(a.created_at),
      updated_at: time(a.updated_at),
      merged_at: time(a.merged_at),
      closed_at: time(a.closed_at),
      merge_commit_sha: str(a.merge_commit_sha),
      last_commit_id: str(last?.id),
      last_commit_at: time(last?.timestamp),
      url: str(a.url),
      draft: bool(a.draft) ?? bool(a.work_in_progress),
      labels: labels(body.labels ?? a.labels),
      actor: user(body),
    },
    problems: [],
  }
}

export function toNote(body: Json): Built<Note> {
  const a = obj(body.object_attributes)
  if (!a) return missing('object_attributes')
  const mr = obj(body.merge_request)
  return {
    record: {
      id: int(a.id),
      noteable_type: str(a.noteable_type),
      noteable_id: int(a.noteable_id),
      note: str(a.note),
      author_id: int(a.author_id),
      created_at: time(a.created_at),
      updated_at: time(a.updated_at),
      system: bool(a.system),
      commit_id: str(a.commit_id) ?? str(obj(body.commit)?.id),
      merge_request_id: int(mr?.id),
      merge_request_iid: int(mr?.iid),
      issue_iid: int(obj(body.issue)?.iid),
      url: str(a.url),
      actor: user(body),
    },
    problems: [],
  }
}

function toBuild(b: Json): Build | null {
  const id = int(b.id)
  if (id === null) return null
  const runner = obj(b.runner)
  const env = obj(b.environment)
  return {
    id,
    stage: str(b.stage),
    name: str(b.name),
    status: str(b.status),
    created_at: time(b.created_at),
    started_at: time(b.started_at),
    finished_at: time(b.finished_at),
    duration: num(b.duration),
    queued_duration: num(b.queued_duration),
    when: str(b.when),
    manual: bool(b.manual),
    allow_failure: bool(b.allow_failure),
    runner_id: int(runner?.id),
    runner_description: str(runner?.description),
    runner_tags: strings(runner?.tags),
    environment_name: str(env?.name),
    environment_action: str(env?.action),
    environment_tier: str(env?.deployment_tier),
    failure_reason: str(b.failure_reason),
  }
}

export function toPipeline(body: Json): Built<Pipeline> {
  const a = obj(body.object_attributes)
  const id = int(a?.id)
  if (!a || id === null) return missing('object_attributes.id')
  return {
    record: {
      id,
      iid: int(a.iid),
      ref: str(a.ref),
      tag: bool(a.tag),
      sha: str(a.sha),
      before_sha: str(a.before_sha),
      source: str(a.source),
      status: str(a.status),
      detailed_status: str(a.detailed_status),
      stages: strings(a.stages),
      created_at: time(a.created_at),
      finished_at: time(a.finished_at),
      duration: num(a.duration),
      queued_duration: num(a.queued_duration),
      user: user(body),
      builds: array(body.builds)
        .map(toBuild)
        .filter((b): b is Build => b !== null),
    },
    problems: [],
  }
}

/** Job Hook and the legacy Build Hook: build_* fields at the top level. */
export function toJob(body: Json): Built<Job> {
  const build = toBuild({
    id: body.build_id,
    stage: body.build_stage,
    name: body.build_name,
    status: body.build_status,
    created_at: body.build_created_at,
    started_at: body.build_started_at,
    finished_at: body.build_finished_at,
    duration: body.build_duration,
    queued_duration: body.build_queued_duration,
    allow_failure: body.build_allow_failure,
    failure_reason: body.build_failure_reason,
    runner: body.runner,
    environment: body.environment,
  })
  if (!build) return missing('build_id')
  const commit = obj(body.commit)
  return {
    record: {
      // A Job Hook's commit.id is the pipeline id (GitLab's webhook docs), hence the fallback.
      pipeline_id: int(body.pipeline_id) ?? int(commit?.id),
      sha: str(body.sha) ?? str(commit?.sha),
      before_sha: str(body.before_sha),
      ref: str(body.ref),
      tag: bool(body.tag),
      build,
      user: user(body),
      commit_message: str(commit?.message),
    },
    problems: [],
  }
}

export function toDeployment(body: Json): Built<Deployment> {
  const id = int(body.deployment_id)
  const status = str(body.status)
  if (id === null || !status)
    return missing(...(id === null ? ['deployment_id'] : []), ...(status ? [] : ['status']))
  return {
    record: {
      id,
      status,
      status_changed_at: time(body.status_changed_at),
      environment: str(body.environment),
      environment_tier: str(body.environment_tier),
      environment_slug: str(body.environment_slug),
      deployable_id: int(body.deployable_id),
      deployable_url: str(body.deployable_url),
      sha: shaFromCommitUrl(str(body.commit_url)) ?? str(body.short_sha),
      ref: str(body.ref),
      commit_title: str(body.commit_title),
      user: user(body),
    },
    problems: [],
  }
}

function shaFromCommitUrl(url: string | null): string | null {
  return url ? (/\/commit\/([0-9a-f]{7,64})\b/.exec(url)?.[1] ?? null) : null
}

export function toRelease(body: Json): Built<Release> {
  const tag = str(body.tag)
  if (!tag) return missing('tag')
  return {
    record: {
      id: int(body.id),
      tag,
      name: str(body.name),
      action: str(body.action),
      created_at: time(body.created_at),
      released_at: time(body.released_at),
      sha: str(obj(body.commit)?.id),
      url: str(body.url),
    },
    problems: [],
  }
}

export function toIssue(body: Json): Built<Issue> {
  const a = obj(body.object_attributes)
  if (!a) return missing('object_attributes')
  return {
    record: {
      id: int(a.id),
      iid: int(a.iid),
      title: str(a.title),
      state: str(a.state),
      action: str(a.action),
      issue_type: str(a.type)?.toLowerCase() ?? str(a.issue_type),
      labels: labels(body.labels ?? a.labels),
      author_id: int(a.author_id),
      created_at: time(a.created_at),
      updated_at: time(a.updated_at),
      closed_at: time(a.closed_at),
      url: str(a.url),
      actor: user(body),
    },
    problems: [],
  }
}
