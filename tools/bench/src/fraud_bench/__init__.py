"""fraud-bench: latency and throughput of the real pipeline on this machine, with the floors
(Kafka and Redis round trips, one ONNX inference) measured in the same run."""
