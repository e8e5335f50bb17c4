"""The ground floor: domain errors, the API's base pieces, links and app-agnostic middleware.

Every app may import core; core imports no app (import-linter checks it: `make lint`).
"""
