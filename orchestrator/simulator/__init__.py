"""The simulated OCI cloud: a file-backed store (store.py) that a Terraform provider
(provider.py, installed by launcher.py) serves, driven by a scenario of launch outcomes."""
