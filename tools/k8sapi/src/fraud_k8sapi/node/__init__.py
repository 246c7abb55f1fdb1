"""A real node for the cluster: containerd, kubelet, kube-proxy and CoreDNS on this host."""
