"""Who is asking: analysts and viewers from a users file (argon2id password hashes or API
tokens), signed in with a server-side session in Redis, CSRF-checked on every state change.

The rest of the dashboard only sees an ``Identity`` (name, role, how it was proven), so another
way of proving it (an OIDC provider's ID token, mapped to the same roles) adds a source of
identities without touching the routes.
"""
