"""citywatch event contracts: pydantic models, JSON Schema exports, index templates.

No I/O at import time, and no faust, kafka or elasticsearch imports.
"""
