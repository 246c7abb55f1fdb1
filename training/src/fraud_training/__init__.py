"""EDA, training, evaluation, ONNX export and benchmark protocols (``fraud-train``)."""

import os

# OpenMP threads (XGBoost, scikit-learn) spin while waiting by default; on a shared 2-core
# machine that made 2-thread fits 4x slower than 1-thread ones. Set before any library loads it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
