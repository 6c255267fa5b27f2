"""The simulated Networking API: VCNs, subnets, VNIC attachments and VNICs, in the API's wire format."""

from __future__ import annotations

from orchestrator.simulator.compute import etag
from orchestrator.simulator.rest_protocol import (
    Reply,
    Request,
    found,
    matches,
    paged,
    queried_compartment,
    sorted_by,
)
from orchestrator.simulator.store import CloudStore

# What a VCN record leaves out (the seeded one holds only its id, compartment, CIDR and name).
_VCN_DEFAULTS = {"dns_label": "vcn", "state": "AVAILABLE", "time_created": "2026-06-01T09:00:00.000Z"}


def get_subnet(store: CloudStore, request: Request) -> Reply:
    [subnet_id] = request.params
    subnet = found(store.get_subnet(subnet_id), f"subnet {subnet_id}")
    return Reply(_subnet(subnet), {"subnet_id": subnet_id}, {"etag": etag(subnet)})


def list_subnets(store: CloudStore, request: Request) -> Reply:
    query = request.query
    compartment_id = queried_compartment(store, query)
    filters = {"vcnId": "vcn_id", "displayName": "display_name", "lifecycleState": "state"}
    subnets = [
        s for s in store.snapshot()["subnets"] if s["compartment_id"] == compartment_id and matches(s, query, filters)
    ]
    page, headers = paged("ListSubnets", sorted_by(subnets, query), query)
    return Reply([_subnet(s) for s in page], {"compartment_id": compartment_id, "count": len(page)}, headers)


def list_vcns(store: CloudStore, request: Request) -> Reply:
    query = request.query
    compartment_id = queried_compartment(store, query)
    vcns = [{**_VCN_DEFAULTS, **vcn} for vcn in store.snapshot()["vcns"] if vcn["compartment_id"] == compartment_id]
    vcns = [vcn for vcn in vcns if matches(vcn, query, {"displayName": "display_name", "lifecycleState": "state"})]
    page, headers = paged("ListVcns", sorted_by(vcns, query), query)
    return Reply([_vcn(v) for v in page], {"compartment_id": compartment_id, "count": len(page)}, headers)


def get_vcn(store: CloudStore, request: Request) -> Reply:
    [vcn_id] = request.params
    vcn = found(next((v for v in store.snapshot()["vcns"] if v["id"] == vcn_id), None), f"vcn {vcn_id}")
    return Reply(_vcn({**_VCN_DEFAULTS, **vcn}), {"vcn_id": vcn_id}, {"etag": etag(vcn)})


def list_vnic_attachments(store: CloudStore, request: Request) -> Reply:
    query = request.query
    compartment_id = queried_compartment(store, query)
    filters = {"availabilityDomain": "availability_domain", "instanceId": "instance_id", "vnicId": "vnic_id"}
    attachments = [a for a in store.list_vnic_attachments(compartment_id) if matches(a, query, filters)]
    page, headers = paged("ListVnicAttachments", attachments, query)
    return Reply([_vnic_attachment(a) for a in page], {"compartment_id": compartment_id, "count": len(page)}, headers)


def get_vnic(store: CloudStore, request: Request) -> Reply:
    [vnic_id] = request.params
    vnic = found(store.get_vnic(vnic_id), f"vnic {vnic_id}")
    return Reply(_vnic(vnic), {"vnic_id": vnic_id}, {"etag": etag(vnic)})


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


def _vcn(vcn: dict) -> dict:
    return {
        "id": vcn["id"],
        "compartmentId": vcn["compartment_id"],
        "cidrBlock": vcn["cidr_block"],
        "cidrBlocks": [vcn["cidr_block"]],
        "displayName": vcn["display_name"],
        "dnsLabel": vcn["dns_label"],
        "vcnDomainName": f"{vcn['dns_label']}.oraclevcn.com",
        "lifecycleState": vcn["state"],
        "timeCreated": vcn["time_created"],
        "ipv6CidrBlocks": [],
        "freeformTags": {},
        "definedTags": {},
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
