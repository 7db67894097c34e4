"""Local Kafka and Elasticsearch for development and tests, started without Docker."""
