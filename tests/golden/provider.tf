# Credentials stay in the user's ~/.oci/config profile; nothing secret is written here.
provider "oci" {
  config_file_profile = var.oci_profile
  # Our retry policy is the only retry layer unless the user turns the provider's back on.
  disable_auto_retries = var.disable_auto_retries
}
