"""What the downstream consumers share: the batch consumer loop with manual commits and
lag, a synchronous retry helper, metrics in the Prometheus text format, the consumers'
options read from the settings, and a uniform view of incident and warning documents.
"""
