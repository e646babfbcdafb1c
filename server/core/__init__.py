"""Cross-cutting pieces: errors, security primitives, the access model, static files."""
