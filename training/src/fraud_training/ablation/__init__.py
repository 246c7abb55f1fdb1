"""``fraud-train ablate``: what each group of added features carries, on quick world protocols."""
