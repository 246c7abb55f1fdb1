"""``fraud-train evaluate``: the committed model, unchanged, judged again on its test week with
intervals: card-bootstrap confidence intervals, the deployed policy beside the model and the
rules, detection per incident with the money it saves, and costs over a range of thresholds.
Training does not import it, so the model card's code digest does not cover it."""
