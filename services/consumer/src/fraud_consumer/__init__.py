"""fraud-consumer: the stream processor that features, scores, decides and records each payment."""
