"""fraud-k8scheck: static checks of the Kubernetes deployment (charts, k8s/, skaffold.yaml)."""
