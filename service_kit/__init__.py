"""Technical building blocks shared by the services behind one gateway.

Holds what must behave the same in every service (errors, request ids,
logging, health, database sessions, paging). Never imports a service and
holds no domain code.
"""
