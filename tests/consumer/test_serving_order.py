"""A remote consumer behind several scorer replicas: each follows the registry on its own, so for
a moment they answer with different models; the consumer switches once per registry change and
never goes back to the models of a replica that has not caught up."""

from fraud_consumer.serving_order import ServingOrder

OLD, NEW = ("m1", "m2"), ("m2", None)


def test_switches_forward_only_on_a_newer_registry_state() -> None:
    order = ServingOrder()
    assert order.accepts(OLD, 5)  # replica A, started earlier
    assert order.accepts(OLD, 6)  # replica B read the registry after a registration: same models
    assert order.accepts(NEW, 8)  # A has taken the promotion up
    assert not order.accepts(OLD, 6)  # B has not: refused, the batch retried elsewhere
    assert order.accepts(NEW, 8)  # B caught up
    assert order.accepts(OLD, 10)  # the rollback, from whichever replica saw it first
    assert not order.accepts(NEW, 8)
    assert (order.versions, order.generation) == (OLD, 10)


def test_a_scorer_without_the_registry_is_always_taken_at_its_word() -> None:
    order = ServingOrder()
    assert order.accepts(("m1", None), None)
    assert order.accepts(("m2", None), None)  # a model directory swapped on its volume
    assert order.versions == ("m2", None)
