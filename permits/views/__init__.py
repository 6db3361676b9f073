"""Workflow pages: the citizen's files and wizard (applicant), the file page every officer shares
(file), the officers' review work and inboxes (review). Actions by POST only. Views check who may do
what; the services check it again inside their transaction."""
