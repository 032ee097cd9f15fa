"""The decisions, one package per pipeline stage, shared by the API, the pages, the CLI and the tasks.

intake/ (webhooks in) -> invites/ (lifecycle, fatigue) -> sending/ (emails out) -> answers/
(recorded, analysed) -> insights/ (scores, drivers, themes, exports); beside them the workspace's
own settings: workspaces, surveys, integrations, suppressions, branding, imports."""
