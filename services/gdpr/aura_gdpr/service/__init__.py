"""The service layer: the rules applied to the database through the repository.

No FastAPI here. Services never commit: the request's unit of work does. Every write appends to
the tenant's audit chain in the same transaction.
"""
