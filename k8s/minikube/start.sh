#!/usr/bin/env bash
# minikube cluster for the quickstart (profile "fraud", which activates skaffold's minikube
# profile). Calico as CNI because minikube's default bridge CNI ignores NetworkPolicies;
# metrics-server so the scorer's HPA has CPU numbers.
set -euo pipefail
minikube start --profile fraud \
  --cpus "${MINIKUBE_CPUS:-4}" --memory "${MINIKUBE_MEMORY:-8g}" \
  --kubernetes-version "${MINIKUBE_K8S_VERSION:-v1.33.1}" \
  --cni calico
minikube addons enable metrics-server --profile fraud
