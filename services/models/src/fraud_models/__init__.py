"""fraud-models: the model registry from the command line."""
