"""Getting threads in: the importers (one module per format) turn files into records, the ingestor writes them
idempotently, and import jobs run the two under a lease, retried and resumed after a crash."""
