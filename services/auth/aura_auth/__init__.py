"""The auth service: tenants, users, passwords, access and refresh tokens."""
