"""The simulated world: cardholders, merchants and devices, a day of genuine spending with
fraud scenarios layered on, and its datasets (training data, the handbook's benchmark data).
Imported by the producer, which streams it, and by training."""
