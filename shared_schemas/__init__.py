"""The API contract: pydantic models shared by the server, the OpenAPI document and the PWA."""
