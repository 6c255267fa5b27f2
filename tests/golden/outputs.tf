locals {
  # Unknown until the instance exists: a failed launch then leaves the outputs, and so
  # the state, as they were, and the saved plan can be applied again.
  instance = oci_core_instance.this.id == null ? null : oci_core_instance.this
}

output "instance_id" {
  value = oci_core_instance.this.id
}

output "public_ip" {
  value = local.instance.public_ip
}

output "private_ip" {
  value = local.instance.private_ip
}

output "availability_domain" {
  value = local.instance.availability_domain
}

output "state" {
  value = local.instance.state
}

output "ocpus" {
  value = local.instance.shape_config[0].ocpus
}

output "memory_gbs" {
  value = local.instance.shape_config[0].memory_in_gbs
}

output "vcn_id" {
  value = data.oci_core_subnet.this.vcn_id
}
