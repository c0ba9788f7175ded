"""The GDPR records service."""
