data "oci_core_subnet" "this" {
  subnet_id = var.subnet_ocid
}

# The compartment's instances (ListInstances), read with every refresh: an instance of ours that
# never reached this state (a crash, a lost answer) is found here and adopted, never launched twice.
data "oci_core_instances" "in_compartment" {
  compartment_id = var.compartment_ocid
}

resource "oci_core_instance" "this" {
  availability_domain = var.availability_domain
  compartment_id      = var.compartment_ocid
  display_name        = var.instance_name
  shape               = "VM.Standard.A1.Flex"

  # A stopped instance (Oracle's idle reclaim, or a user) is started again: the provider calls
  # the START action when the state it reads differs.
  state = "RUNNING"

  shape_config {
    ocpus         = var.ocpus
    memory_in_gbs = var.memory_gbs
  }

  source_details {
    source_type             = "image"
    source_id               = var.image_ocid
    boot_volume_size_in_gbs = var.boot_volume_size_gbs
  }

  create_vnic_details {
    subnet_id        = data.oci_core_subnet.this.id
    assign_public_ip = "true"
  }

  metadata = {
    ssh_authorized_keys = var.ssh_public_key
  }

  freeform_tags = {
    "coinpilot-tf" = var.instance_name
  }

  lifecycle {
    # A won instance is never replaced: a newer image, another key, edited user data (read on
    # the first boot only), or the next AD/size in the rotation must not plan a destroy.
    ignore_changes = [
      availability_domain,
      shape_config,
      source_details,
      metadata,
      create_vnic_details,
    ]
  }
}
