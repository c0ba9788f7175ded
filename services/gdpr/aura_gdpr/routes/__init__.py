"""HTTP of the gdpr service: parse, authorise, call the service layer, shape the response."""
