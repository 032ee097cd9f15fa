"""Privacy: the workspace's policy (redaction, retention), data-subject erasure and export, purges."""
