"""citywatch pipeline: settings, local services, the Faust worker and its pure modules."""

__version__ = "0.1.0"
