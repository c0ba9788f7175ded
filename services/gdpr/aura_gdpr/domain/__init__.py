"""The GDPR rules as plain functions and constants: no FastAPI, no database."""
