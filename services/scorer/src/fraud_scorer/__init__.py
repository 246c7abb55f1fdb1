"""fraud-scorer: FastAPI + ONNX Runtime scoring service (single and batch) on port 8000."""
