"""Webhook intake: verify and store a helpdesk's delivery fast, then turn it into an invite in a worker."""
