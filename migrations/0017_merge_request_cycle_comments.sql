-- 0014 replaced the merge_request_cycle view, which dropped the column comments 0008 gave it
-- (every table and column has one: hookhouse sql --tables prints them).
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
