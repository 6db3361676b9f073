"""The manager's live dashboard and the public transparency page (read-only: counts what the apps below record)."""
