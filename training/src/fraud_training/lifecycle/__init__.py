"""``make lifecycle``: train a champion, run live on the world's clock, shift the world, the drift
alert, retrain from the log, the gate, shadow, promotion; reports/lifecycle.{json,md}."""
