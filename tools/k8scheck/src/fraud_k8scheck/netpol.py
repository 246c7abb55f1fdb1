"""Which connections a set of NetworkPolicies allows, evaluated like a conforming CNI would.

A model cluster (pods with labels and ports, namespaces with labels) plus the rendered
policies gives the full set of allowed (source, destination, port, protocol) flows, so a test
can compare it with the data path exactly: every flow the platform needs is open and no
other is. Strimzi writes the Kafka listener's NetworkPolicy from the Kafka resource's
`networkPolicyPeers`; ``kafka_listener_policy`` builds that policy the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import ip_network
from typing import Any

Obj = Mapping[str, Any]
WORKLOADS = ("Deployment", "StatefulSet")


@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str
    labels: Mapping[str, str]
    ports: Mapping[str, int] = field(default_factory=dict)  # container port name -> number
    udp_ports: frozenset[int] = frozenset()


@dataclass(frozen=True, order=True)
class Flow:
    source: str
    destination: str
    port: int
    protocol: str = "TCP"

    def __str__(self) -> str:
        return f"{self.source} -> {self.destination}:{self.port}/{self.protocol}"


@dataclass(frozen=True)
class _Probe:
    """The destination pod, port and protocol of a connection being decided."""

    target: Pod
    port: int
    protocol: str


def _expression_holds(expression: Obj, labels: Mapping[str, str]) -> bool:
    key, operator = expression["key"], expression["operator"]
    values = expression.get("values") or []
    if operator == "In":
        return key in labels and labels[key] in values
    if operator == "NotIn":
        return key not in labels or labels[key] not in values
    if operator == "Exists":
        return key in labels
    return key not in labels  # DoesNotExist


def selects(selector: Obj | None, labels: Mapping[str, str]) -> bool:
    """A LabelSelector (matchLabels and matchExpressions); an empty one selects everything."""
    if selector is None:
        return True
    match_labels = selector.get("matchLabels") or {}
    return all(labels.get(key) == value for key, value in match_labels.items()) and all(
        _expression_holds(expression, labels)
        for expression in selector.get("matchExpressions") or []
    )


class Cluster:
    def __init__(self, pods: Iterable[Pod], namespaces: Mapping[str, Mapping[str, str]]) -> None:
        self.pods = list(pods)
        self.namespaces = {
            name: {"kubernetes.io/metadata.name": name, **labels}
            for name, labels in namespaces.items()
        }

    def _peer_matches(self, peer: Obj, pod: Pod, policy_namespace: str) -> bool:
        if "ipBlock" in peer:
            # Pod addresses are not modelled: only a block covering everything reaches pods.
            return ip_network(peer["ipBlock"]["cidr"]).prefixlen == 0
        namespace_selector = peer.get("namespaceSelector")
        if namespace_selector is None:
            in_scope = pod.namespace == policy_namespace
        else:
            in_scope = selects(namespace_selector, self.namespaces[pod.namespace])
        return in_scope and selects(peer.get("podSelector"), pod.labels)

    @staticmethod
    def _port_matches(rule: Obj, target: Pod, port: int, protocol: str) -> bool:
        ports = rule.get("ports")
        if not ports:
            return True
        for entry in ports:
            if entry.get("protocol", "TCP") != protocol:
                continue
            wanted = entry.get("port")
            if wanted is None:
                return True
            number = target.ports.get(wanted) if isinstance(wanted, str) else wanted
            if number is not None and number <= port <= entry.get("endPort", number):
                return True
        return False

    def _side_allows(
        self,
        policies: Sequence[Obj],
        *,
        subject: Pod,
        other: Pod,
        direction: str,
        probe: _Probe,
    ) -> bool:
        kind, peers_key = ("Ingress", "from") if direction == "ingress" else ("Egress", "to")
        applying = [
            policy
            for policy in policies
            if policy["metadata"].get("namespace") == subject.namespace
            and selects(policy["spec"].get("podSelector"), subject.labels)
            and kind in _policy_types(policy["spec"])
        ]
        if not applying:
            return True  # not isolated in this direction
        for policy in applying:
            for rule in policy["spec"].get(direction) or []:
                peers = rule.get(peers_key)
                if peers and not any(
                    self._peer_matches(peer, other, subject.namespace) for peer in peers
                ):
                    continue
                if self._port_matches(rule, probe.target, probe.port, probe.protocol):
                    return True
        return False

    def allowed(self, policies: Sequence[Obj]) -> set[Flow]:
        flows = set()
        for source in self.pods:
            for target in self.pods:
                if source is target:
                    continue
                for port, protocol in _listening(target):
                    probe = _Probe(target, port, protocol)
                    egress = self._side_allows(
                        policies, subject=source, other=target, direction="egress", probe=probe
                    )
                    ingress = egress and self._side_allows(
                        policies, subject=target, other=source, direction="ingress", probe=probe
                    )
                    if ingress:
                        flows.add(Flow(source.name, target.name, port, protocol))
        return flows


def _policy_types(spec: Obj) -> list[str]:
    if "policyTypes" in spec:
        return list(spec["policyTypes"])
    return ["Ingress", "Egress"] if "egress" in spec else ["Ingress"]


def _listening(pod: Pod) -> list[tuple[int, str]]:
    tcp = [(port, "TCP") for port in sorted(set(pod.ports.values()))]
    return tcp + [(port, "UDP") for port in sorted(pod.udp_ports)]


def workload_pods(objects: Iterable[Obj], name_label: str = "app.kubernetes.io/name") -> list[Pod]:
    """One model pod per rendered Deployment/StatefulSet, named after its name label."""
    pods = []
    for obj in objects:
        if obj["kind"] not in WORKLOADS:
            continue
        template = obj["spec"]["template"]
        ports = {
            port.get("name", str(port["containerPort"])): port["containerPort"]
            for container in template["spec"]["containers"]
            for port in container.get("ports", [])
        }
        labels = template["metadata"]["labels"]
        pods.append(Pod(labels[name_label], obj["metadata"]["namespace"], labels, ports))
    return pods


def kafka_listener_policy(kafka: Obj, port: int = 9092) -> dict[str, Any]:
    """The NetworkPolicy Strimzi derives for a listener: its peers (or anyone) on its port."""
    listener = next(item for item in kafka["spec"]["kafka"]["listeners"] if item["port"] == port)
    rule: dict[str, Any] = {"ports": [{"port": port, "protocol": "TCP"}]}
    if listener.get("networkPolicyPeers"):
        rule["from"] = listener["networkPolicyPeers"]
    cluster = kafka["metadata"]["name"]
    return {
        "metadata": {
            "name": f"{cluster}-network-policy-kafka",
            "namespace": kafka["metadata"]["namespace"],
        },
        "spec": {
            "podSelector": {
                "matchLabels": {
                    "strimzi.io/cluster": cluster,
                    "strimzi.io/name": f"{cluster}-kafka",
                }
            },
            "policyTypes": ["Ingress"],
            "ingress": [rule],
        },
    }


def kafka_broker_pod(kafka: Obj) -> Pod:
    """A broker of a dual-role pool as Strimzi labels it."""
    cluster = kafka["metadata"]["name"]
    labels = {
        "strimzi.io/cluster": cluster,
        "strimzi.io/kind": "Kafka",
        "strimzi.io/name": f"{cluster}-kafka",
        "strimzi.io/broker-role": "true",
        "strimzi.io/controller-role": "true",
    }
    return Pod("kafka", kafka["metadata"]["namespace"], labels, {"tcp-clients": 9092})
