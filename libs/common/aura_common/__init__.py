"""Code every AURA-GDPR service shares: settings, database, identity, errors, logging."""
