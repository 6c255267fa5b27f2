"""coinpilot-tf: win an OCI Always Free A1.Flex instance and keep it under Terraform state."""

__version__ = "0.1.0"
