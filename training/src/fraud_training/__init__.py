"""EDA, training, evaluation, ONNX export and benchmark protocols (``fraud-train``)."""
