"""People who sign in: passwords, sessions, sign-in with lockout, invitations, resets, and what each
role may do (checked here, once per use case, so a page, the API and an export agree)."""
