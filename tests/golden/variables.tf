variable "oci_profile" {
  type = string
}

variable "disable_auto_retries" {
  type = bool
}

variable "compartment_ocid" {
  type = string
}

variable "subnet_ocid" {
  type = string
}

variable "availability_domain" {
  type = string
}

variable "image_ocid" {
  type = string
}

variable "instance_name" {
  type = string
}

variable "ocpus" {
  type = number
}

variable "memory_gbs" {
  type = number
}

variable "boot_volume_size_gbs" {
  type    = number
  default = null
}

variable "ssh_public_key" {
  type = string
}
