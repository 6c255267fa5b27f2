# Rendered by coinpilot-tf 0.1.0; edits are overwritten by the next render.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    oci = {
      source  = "oracle/oci"
      version = ">= 6.0.0"
    }
  }
}
