"""The platform on a real single-node Kubernetes cluster, end to end (make k8s-e2e)."""
