"""A real Kubernetes control plane on loopback for the charts' tests (never in an image)."""
