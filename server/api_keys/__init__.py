"""API keys for integrations: ``mcrm_`` bearer tokens with their own permissions and rate limit."""
