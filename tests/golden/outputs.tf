output "instance_id" {
  value = oci_core_instance.this.id
}

output "public_ip" {
  value = oci_core_instance.this.public_ip
}

output "private_ip" {
  value = oci_core_instance.this.private_ip
}

output "availability_domain" {
  value = oci_core_instance.this.availability_domain
}

output "state" {
  value = oci_core_instance.this.state
}

output "ocpus" {
  value = oci_core_instance.this.shape_config[0].ocpus
}

output "memory_gbs" {
  value = oci_core_instance.this.shape_config[0].memory_in_gbs
}

output "vcn_id" {
  value = data.oci_core_subnet.this.vcn_id
}
