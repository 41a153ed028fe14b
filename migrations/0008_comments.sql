-- Comments for every table, view and column that had none, so `hookhouse sql --tables`, DESCRIBE
-- and a SQL client's schema browser explain each one (docs/querying.md). The tables of 0001-0006
-- carry their comments already; the views of 0007 and the migrations ledger get theirs here.
-- Applied migrations are checksummed, so the comments are added by ALTER rather than written
-- into the earlier files.

ALTER TABLE schema_migrations COMMENT COLUMN version 'Number of the migration file (0001_...)';
ALTER TABLE schema_migrations COMMENT COLUMN name 'File name of the migration';
ALTER TABLE schema_migrations COMMENT COLUMN checksum 'SHA-256 of the file as applied: an edited applied file stops migrate';
ALTER TABLE schema_migrations COMMENT COLUMN applied_at 'When the migration was applied';

ALTER TABLE metric_settings_current MODIFY COMMENT 'The metric settings in force: enabled rows of metric_settings';
ALTER TABLE metric_settings_current COMMENT COLUMN name 'Setting: production_environment, production_tier, incident_label, bot_username or bot_username_suffix';
ALTER TABLE metric_settings_current COMMENT COLUMN value 'One value of the setting';

ALTER TABLE production_deployment_attempts MODIFY COMMENT 'Every deployment attempt, any status, to a production environment, from Deployment Hooks when the project sends them, else from deploy jobs';
ALTER TABLE production_deployment_attempts COMMENT COLUMN project_id 'GitLab project id';
ALTER TABLE production_deployment_attempts COMMENT COLUMN project_path 'Project path with namespace';
ALTER TABLE production_deployment_attempts COMMENT COLUMN deployment_key 'Key of the deployment row in deployments';
ALTER TABLE production_deployment_attempts COMMENT COLUMN environment 'Environment name';
ALTER TABLE production_deployment_attempts COMMENT COLUMN status 'Deployment or deploy job status: success, failed, running, ...';
ALTER TABLE production_deployment_attempts COMMENT COLUMN sha 'Commit deployed';
ALTER TABLE production_deployment_attempts COMMENT COLUMN ref 'Branch or tag deployed';
ALTER TABLE production_deployment_attempts COMMENT COLUMN pipeline_id 'Pipeline of the deployment, from its deploy job when the hook names none';
ALTER TABLE production_deployment_attempts COMMENT COLUMN job_id 'Deploy job, when known';
ALTER TABLE production_deployment_attempts COMMENT COLUMN deployed_at 'When the attempt happened';
ALTER TABLE production_deployment_attempts COMMENT COLUMN source 'Where it came from: deployment_hook or job';

ALTER TABLE production_deployments MODIFY COMMENT 'Deployments (docs/metrics.md): successful production deployments, one per environment per pipeline';
ALTER TABLE production_deployments COMMENT COLUMN project_id 'GitLab project id';
ALTER TABLE production_deployments COMMENT COLUMN project_path 'Project path with namespace';
ALTER TABLE production_deployments COMMENT COLUMN environment 'Environment name';
ALTER TABLE production_deployments COMMENT COLUMN sha 'Commit deployed';
ALTER TABLE production_deployments COMMENT COLUMN pipeline_id 'Pipeline of the deployment, null for one with no known pipeline';
ALTER TABLE production_deployments COMMENT COLUMN deployed_at 'When it was deployed';
ALTER TABLE production_deployments COMMENT COLUMN source 'Where it came from: deployment_hook or job';
ALTER TABLE production_deployments COMMENT COLUMN ref 'Branch or tag deployed';
ALTER TABLE production_deployments COMMENT COLUMN deployment_key 'Key of the deployment row in deployments';

ALTER TABLE deployment_frequency_daily MODIFY COMMENT 'Production deployments per project and UTC day';
ALTER TABLE deployment_frequency_daily COMMENT COLUMN project_id 'GitLab project id';
ALTER TABLE deployment_frequency_daily COMMENT COLUMN project_path 'Project path with namespace';
ALTER TABLE deployment_frequency_daily COMMENT COLUMN day 'UTC day';
ALTER TABLE deployment_frequency_daily COMMENT COLUMN deployments 'Production deployments that day';

ALTER TABLE commit_arrivals MODIFY COMMENT 'When each commit first reached each branch, from the pushes that listed it (at most 20 a push) or pushed it as head';
ALTER TABLE commit_arrivals COMMENT COLUMN project_id 'GitLab project id';
ALTER TABLE commit_arrivals COMMENT COLUMN branch 'Branch the commit reached';
ALTER TABLE commit_arrivals COMMENT COLUMN sha 'Commit';
ALTER TABLE commit_arrivals COMMENT COLUMN arrived_at 'First receipt of the first push that carried it there';

ALTER TABLE production_deployment_branches MODIFY COMMENT 'Production deployments with every branch their commit reached, and when';
ALTER TABLE production_deployment_branches COMMENT COLUMN project_id 'GitLab project id';
ALTER TABLE production_deployment_branches COMMENT COLUMN environment 'Environment name';
ALTER TABLE production_deployment_branches COMMENT COLUMN deployment_key 'Key of the deployment row in deployments';
ALTER TABLE production_deployment_branches COMMENT COLUMN sha 'Commit deployed';
ALTER TABLE production_deployment_branches COMMENT COLUMN deployed_at 'When it was deployed';
ALTER TABLE production_deployment_branches COMMENT COLUMN branch 'A branch the deployed commit reached';
ALTER TABLE production_deployment_branches COMMENT COLUMN sha_arrived_at 'When the deployed commit reached that branch';

ALTER TABLE lead_time_for_changes MODIFY COMMENT 'Lead time for changes (docs/metrics.md): each commit from its first push to the first production deployment containing it';
ALTER TABLE lead_time_for_changes COMMENT COLUMN project_id 'GitLab project id';
ALTER TABLE lead_time_for_changes COMMENT COLUMN project_path 'Project path with namespace';
ALTER TABLE lead_time_for_changes COMMENT COLUMN sha 'Commit';
ALTER TABLE lead_time_for_changes COMMENT COLUMN first_branch 'Branch of its first push';
ALTER TABLE lead_time_for_changes COMMENT COLUMN first_pushed_at 'When it was first pushed';
ALTER TABLE lead_time_for_changes COMMENT COLUMN deployed_at 'First production deployment containing it, null while not deployed';
ALTER TABLE lead_time_for_changes COMMENT COLUMN deployed_sha 'Commit that deployment deployed';
ALTER TABLE lead_time_for_changes COMMENT COLUMN environment 'Environment of that deployment';
ALTER TABLE lead_time_for_changes COMMENT COLUMN lead_time_s 'Seconds from first push to deployment, null while not deployed';

ALTER TABLE merge_to_deploy MODIFY COMMENT 'Merge to deploy: each merged merge request from its merge to the first production deployment containing it';
ALTER TABLE merge_to_deploy COMMENT COLUMN project_id 'GitLab project id';
ALTER TABLE merge_to_deploy COMMENT COLUMN project_path 'Project path with namespace';
ALTER TABLE merge_to_deploy COMMENT COLUMN mr_iid 'Merge request iid within the project';
ALTER TABLE merge_to_deploy COMMENT COLUMN target_branch 'Branch it was merged into';
ALTER TABLE merge_to_deploy COMMENT COLUMN merged_at 'First merge event';
ALTER TABLE merge_to_deploy COMMENT COLUMN deployed_at 'First production deployment containing the merge, null while not deployed';
ALTER TABLE merge_to_deploy COMMENT COLUMN deployed_sha 'Commit that deployment deployed';
ALTER TABLE merge_to_deploy COMMENT COLUMN environment 'Environment of that deployment';
ALTER TABLE merge_to_deploy COMMENT COLUMN merge_to_deploy_s 'Seconds from merge to deployment, null while not deployed';

ALTER TABLE incidents MODIFY COMMENT 'Incidents: issues or work items of type incident, or carrying a configured incident label';
ALTER TABLE incidents COMMENT COLUMN project_id 'GitLab project id';
ALTER TABLE incidents COMMENT COLUMN project_path 'Project path with namespace';
ALTER TABLE incidents COMMENT COLUMN iid 'Issue iid within the project';
ALTER TABLE incidents COMMENT COLUMN title 'Issue title';
ALTER TABLE incidents COMMENT COLUMN state 'Latest state: opened or closed';
ALTER TABLE incidents COMMENT COLUMN labels 'Label titles';
ALTER TABLE incidents COMMENT COLUMN opened_at 'When the incident was opened';
ALTER TABLE incidents COMMENT COLUMN closed_at 'When it was closed, null while open';

ALTER TABLE change_failure MODIFY COMMENT 'Change failure (docs/metrics.md): each production deployment and whether a failure followed it before the next one';
ALTER TABLE change_failure COMMENT COLUMN project_id 'GitLab project id';
ALTER TABLE change_failure COMMENT COLUMN project_path 'Project path with namespace';
ALTER TABLE change_failure COMMENT COLUMN environment 'Environment name';
ALTER TABLE change_failure COMMENT COLUMN deployment_key 'Key of the deployment row in deployments';
ALTER TABLE change_failure COMMENT COLUMN sha 'Commit deployed';
ALTER TABLE change_failure COMMENT COLUMN deployed_at 'When it was deployed';
ALTER TABLE change_failure COMMENT COLUMN next_deployed_at 'Next production deployment to the same environment, null for the latest';
ALTER TABLE change_failure COMMENT COLUMN first_failed_deployment_at 'First failed production deployment before the next deployment';
ALTER TABLE change_failure COMMENT COLUMN first_incident_at 'First incident opened before the next deployment';
ALTER TABLE change_failure COMMENT COLUMN first_revert_at 'First revert merge request opened before the next deployment';
ALTER TABLE change_failure COMMENT COLUMN rollback 'The next deployment redeployed an earlier commit';
ALTER TABLE change_failure COMMENT COLUMN failed_deployment 'A failed production deployment followed';
ALTER TABLE change_failure COMMENT COLUMN incident 'An incident followed';
ALTER TABLE change_failure COMMENT COLUMN revert 'A revert merge request followed';
ALTER TABLE change_failure COMMENT COLUMN failed 'Any of the four: the deployment counts as a change failure';

ALTER TABLE time_to_restore MODIFY COMMENT 'Time to restore (docs/metrics.md): incidents opened to closed, failed deployments to the next successful one';
ALTER TABLE time_to_restore COMMENT COLUMN kind 'incident or deployment';
ALTER TABLE time_to_restore COMMENT COLUMN project_id 'GitLab project id';
ALTER TABLE time_to_restore COMMENT COLUMN project_path 'Project path with namespace';
ALTER TABLE time_to_restore COMMENT COLUMN environment 'Environment name, empty for an incident';
ALTER TABLE time_to_restore COMMENT COLUMN subject 'Incident iid or deployment key';
ALTER TABLE time_to_restore COMMENT COLUMN failed_at 'When the failure began';
ALTER TABLE time_to_restore COMMENT COLUMN restored_at 'When it was restored, null while not';
ALTER TABLE time_to_restore COMMENT COLUMN restore_s 'Seconds to restore, null while not restored';

ALTER TABLE flaky_jobs MODIFY COMMENT 'Flaky jobs: the same job name failing and then passing on the same commit, one row per project, job name and commit';
ALTER TABLE flaky_jobs COMMENT COLUMN project_id 'GitLab project id';
ALTER TABLE flaky_jobs COMMENT COLUMN project_path 'Project path with namespace';
ALTER TABLE flaky_jobs COMMENT COLUMN name 'Job name';
ALTER TABLE flaky_jobs COMMENT COLUMN sha 'Commit the runs were for';
ALTER TABLE flaky_jobs COMMENT COLUMN ref 'Branch or tag of the runs';
ALTER TABLE flaky_jobs COMMENT COLUMN failed_runs 'Failed runs on that commit';
ALTER TABLE flaky_jobs COMMENT COLUMN successful_runs 'Successful runs on that commit';
ALTER TABLE flaky_jobs COMMENT COLUMN first_failed_at 'First failure';
ALTER TABLE flaky_jobs COMMENT COLUMN passed_at 'First success after that failure';

ALTER TABLE merge_request_cycle MODIFY COMMENT 'Merge request cycle (docs/metrics.md), one row per merge request: coding, pickup, review, merge and deploy times';
ALTER TABLE merge_request_cycle COMMENT COLUMN project_id 'GitLab project id';
ALTER TABLE merge_request_cycle COMMENT COLUMN project_path 'Project path with namespace';
ALTER TABLE merge_request_cycle COMMENT COLUMN mr_iid 'Merge request iid within the project';
ALTER TABLE merge_request_cycle COMMENT COLUMN title 'Merge request title';
ALTER TABLE merge_request_cycle COMMENT COLUMN state 'Latest state: opened, closed, merged, locked';
ALTER TABLE merge_request_cycle COMMENT COLUMN author_username 'Author, from the open event';
ALTER TABLE merge_request_cycle COMMENT COLUMN author_is_bot 'The author matches a configured bot name or suffix';
ALTER TABLE merge_request_cycle COMMENT COLUMN first_commit_at 'First commit of the source branch pushed before opening';
ALTER TABLE merge_request_cycle COMMENT COLUMN opened_at 'When it was opened';
ALTER TABLE merge_request_cycle COMMENT COLUMN first_review_at 'First comment or approval by someone other than the author, bots excluded';
ALTER TABLE merge_request_cycle COMMENT COLUMN approved_at 'First approval by someone other than the author';
ALTER TABLE merge_request_cycle COMMENT COLUMN merged_at 'First merge event';
ALTER TABLE merge_request_cycle COMMENT COLUMN deployed_at 'First production deployment containing the merge';
ALTER TABLE merge_request_cycle COMMENT COLUMN coding_s 'Seconds from first commit to open';
ALTER TABLE merge_request_cycle COMMENT COLUMN pickup_s 'Seconds from open to first review';
ALTER TABLE merge_request_cycle COMMENT COLUMN review_s 'Seconds from first review to approval';
ALTER TABLE merge_request_cycle COMMENT COLUMN merge_s 'Seconds from approval to merge';
ALTER TABLE merge_request_cycle COMMENT COLUMN deploy_s 'Seconds from merge to production deployment';
ALTER TABLE merge_request_cycle COMMENT COLUMN review_rounds 'Updates pushed after the first review';

ALTER TABLE commits_daily_mv MODIFY COMMENT 'Keeps commits_daily up to date on every insert into commits';
ALTER TABLE commits_daily_mv COMMENT COLUMN project_id 'GitLab project id';
ALTER TABLE commits_daily_mv COMMENT COLUMN day 'UTC day of the push that carried the commit';
ALTER TABLE commits_daily_mv COMMENT COLUMN commits 'Distinct commit shas (uniqExactMerge)';
ALTER TABLE commits_daily_mv COMMENT COLUMN authors 'Distinct author emails (uniqExactMerge)';
