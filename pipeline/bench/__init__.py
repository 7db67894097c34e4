"""``citywatch bench``: throughput ceilings, a naive consumer, and the pipeline, compared."""
