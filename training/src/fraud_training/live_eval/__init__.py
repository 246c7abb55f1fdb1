"""``fraud-train live-eval``: the real pipeline on the world's clock after a warm start, its
decisions joined with the simulator's ground truth and set beside the model card."""
