"""The simulated Networking API: subnets, VNIC attachments and VNICs, in the API's wire format."""

from __future__ import annotations

from orchestrator.simulator.rest_protocol import (
    Reply,
    Request,
    matches,
    not_found,
    paged,
    queried_compartment,
)
from orchestrator.simulator.store import CloudStore


def get_subnet(store: CloudStore, request: Request) -> Reply:
    [subnet_id] = request.params
    subnet = store.get_subnet(subnet_id)
    if subnet is None:
        raise not_found(f"subnet {subnet_id}")
    return Reply(_subnet(subnet), {"subnet_id": subnet_id})


def list_vnic_attachments(store: CloudStore, request: Request) -> Reply:
    query = request.query
    compartment_id = queried_compartment(store, query)
    filters = {"availabilityDomain": "availability_domain", "instanceId": "instance_id", "vnicId": "vnic_id"}
    attachments = [a for a in store.list_vnic_attachments(compartment_id) if matches(a, query, filters)]
    page, headers = paged("ListVnicAttachments", attachments, query)
    return Reply([_vnic_attachment(a) for a in page], {"compartment_id": compartment_id, "count": len(page)}, headers)


def get_vnic(store: CloudStore, request: Request) -> Reply:
    [vnic_id] = request.params
    vnic = store.get_vnic(vnic_id)
    if vnic is None:
        raise not_found(f"vnic {vnic_id}")
    return Reply(_vnic(vnic), {"vnic_id": vnic_id})


def _subnet(subnet: dict) -> dict:
    return {
        "id": subnet["id"],
        "availabilityDomain": subnet["availability_domain"],
        "cidrBlock": subnet["cidr_block"],
        "ipv4CidrBlocks": subnet["ipv4cidr_blocks"],
        "compartmentId": subnet["compartment_id"],
        "displayName": subnet["display_name"],
        "dnsLabel": subnet["dns_label"],
        "lifecycleState": subnet["state"],
        "prohibitInternetIngress": subnet["prohibit_internet_ingress"],
        "prohibitPublicIpOnVnic": subnet["prohibit_public_ip_on_vnic"],
        "routeTableId": subnet["route_table_id"],
        "securityListIds": subnet["security_list_ids"],
        "subnetDomainName": subnet["subnet_domain_name"],
        "timeCreated": subnet["time_created"],
        "vcnId": subnet["vcn_id"],
        "virtualRouterIp": subnet["virtual_router_ip"],
        "virtualRouterMac": subnet["virtual_router_mac"],
    }


def _vnic_attachment(attachment: dict) -> dict:
    return {
        "id": attachment["id"],
        "availabilityDomain": attachment["availability_domain"],
        "compartmentId": attachment["compartment_id"],
        "displayName": attachment["display_name"],
        "instanceId": attachment["instance_id"],
        "lifecycleState": attachment["lifecycle_state"],
        "nicIndex": attachment["nic_index"],
        "subnetId": attachment["subnet_id"],
        "vlanTag": None,
        "vnicId": attachment["vnic_id"],
        "timeCreated": attachment["time_created"],
    }


def _vnic(vnic: dict) -> dict:
    return {
        "id": vnic["id"],
        "availabilityDomain": vnic["availability_domain"],
        "compartmentId": vnic["compartment_id"],
        "displayName": vnic["display_name"],
        "hostnameLabel": vnic["hostname_label"],
        "isPrimary": vnic["is_primary"],
        "lifecycleState": vnic["lifecycle_state"],
        "macAddress": vnic["mac_address"],
        "nsgIds": [],
        "privateIp": vnic["private_ip"],
        "publicIp": vnic["public_ip"],
        "skipSourceDestCheck": False,
        "subnetId": vnic["subnet_id"],
        "freeformTags": {},
        "definedTags": {},
        "timeCreated": vnic["time_created"],
    }
