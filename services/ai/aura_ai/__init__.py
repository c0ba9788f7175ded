"""The AI service: PII redaction and local-LLM assistance."""
