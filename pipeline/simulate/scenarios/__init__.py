"""The scenarios of ``citywatch simulate``, one module each."""
