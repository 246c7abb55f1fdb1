"""``fraud-train ablate``: candidate features against the model's, on quick world protocols."""
