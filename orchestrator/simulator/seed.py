"""The cloud a new simulated store starts with: one region, tenancy, compartment, VCN, subnet, four images.

PLACEHOLDERS are the well-formed values the tool uses in simulate mode when the user set none;
the seeded cloud contains exactly these.
"""

from __future__ import annotations

from orchestrator.simulator.scenario import OPERATIONS, parse_scenario

REGION = "sim-region-1"

PLACEHOLDERS = {
    "tenancy_ocid": "ocid1.tenancy.oc1..aaaaaaaatolb7j4f7br6tjmq7q5nnpufw6sokrenuh7rsv5fcezabmnusv3a",
    # The user the simulated tenancy's API key is uploaded for (the simulated OCI config names it).
    "user_ocid": "ocid1.user.oc1..aaaaaaaasimulateduserforthecoinpilottfrestendpoint0000000000",
    "compartment_ocid": "ocid1.compartment.oc1..aaaaaaaablcidnvloecqfvdeqp6guoassfdb74rde7yi7afrhufesa2fl6yq",
    "subnet_ocid": f"ocid1.subnet.oc1.{REGION}.aaaaaaaafuy6kl5ixq4jlipfi6bqkj5mpmpyuipprbglosw4pe6dudolqi5a",
    "image_ocid": f"ocid1.image.oc1.{REGION}.aaaaaaaayekhemk4i4tpqwd7f2bs6qevmkln4bihvskv65xn6wwefntcgqla",
    "availability_domains": [f"SiMu:{REGION.upper()}-AD-{n}" for n in (1, 2, 3)],
    "region": REGION,
}

_VCN_OCID = f"ocid1.vcn.oc1.{REGION}.aaaaaaaa4qmrbax23a2egxfd2aetot277iumainll4hiex72do47avmxiueq"
# Every subnet is this /24; instances take their private IPs from it.
SUBNET_CIDR_PREFIX = "10.0.0."

_ARM_SHAPES = ["VM.Standard.A1.Flex", "BM.Standard.A1.160"]
_X86_SHAPES = ["VM.Standard.E2.1.Micro", "VM.Standard.E4.Flex", "VM.Standard.E5.Flex"]


def seed() -> dict:
    return {
        "region": REGION,
        "tenancy_id": PLACEHOLDERS["tenancy_ocid"],
        "availability_domains": list(PLACEHOLDERS["availability_domains"]),
        "compartments": [PLACEHOLDERS["compartment_ocid"]],
        "vcns": [
            {
                "id": _VCN_OCID,
                "compartment_id": PLACEHOLDERS["compartment_ocid"],
                "cidr_block": "10.0.0.0/16",
                "display_name": "sim-vcn",
            }
        ],
        "subnets": [subnet(PLACEHOLDERS["subnet_ocid"], PLACEHOLDERS["compartment_ocid"])],
        "images": _images(),
        "limits": {"standard-a1-core-regional-count": 2, "standard-a1-memory-regional-count": 12},
        "scenario": parse_scenario("ok"),
        "consumed": {operation: 0 for operation in OPERATIONS},
        "retry_tokens": {},
        "instances": [],
    }


def subnet(subnet_id: str, compartment_id: str) -> dict:
    """Named like the oci_core_subnet data source's attributes, which it feeds one to one."""
    return {
        "id": subnet_id,
        "availability_domain": None,
        "cidr_block": f"{SUBNET_CIDR_PREFIX}0/24",
        "compartment_id": compartment_id,
        "defined_tags": {},
        "dhcp_options_id": f"ocid1.dhcpoptions.oc1.{REGION}.aaaaaaaahjegypamjiabmgwhhvwdq6sbscnd3uyqiqczfn4bp6ga74mgy6ha",
        "display_name": "sim-public-subnet",
        "dns_label": "sub",
        "freeform_tags": {},
        "ipv4cidr_blocks": [f"{SUBNET_CIDR_PREFIX}0/24"],
        "ipv6cidr_block": None,
        "ipv6cidr_blocks": [],
        "ipv6virtual_router_ip": None,
        "prohibit_internet_ingress": False,
        "prohibit_public_ip_on_vnic": False,
        "route_table_id": f"ocid1.routetable.oc1.{REGION}.aaaaaaaaxwcbypzhbjuokyqlepqyxnctsfd3uzwgk553kt7y3i4r2xzfjzna",
        "security_list_ids": [
            f"ocid1.securitylist.oc1.{REGION}.aaaaaaaaekjzm6436jc3ng2kukha3tmbjpisjf52qljoxadipems7lu7iy6a"
        ],
        "state": "AVAILABLE",
        "subnet_domain_name": "sub.vcn.oraclevcn.com",
        "time_created": "2026-06-01T09:00:00.000Z",
        "vcn_id": _VCN_OCID,
        "virtual_router_ip": f"{SUBNET_CIDR_PREFIX}1",
        "virtual_router_mac": "00:00:17:5E:12:3A",
    }


def _images() -> list[dict]:
    """Ubuntu platform images: two Minimal aarch64 builds, a full aarch64 one and an x86 one."""
    return [
        _image(
            PLACEHOLDERS["image_ocid"],
            "Canonical-Ubuntu-22.04-Minimal-aarch64-2026.10.31-0",
            "22.04 Minimal aarch64",
            _ARM_SHAPES,
            "2026-11-03T18:21:40.512Z",
        ),
        _image(
            f"ocid1.image.oc1.{REGION}.aaaaaaaart2nq5rmpp7rj4z465jaghvzaz3oiw7d3hdtdr27rtpemyn466sq",
            "Canonical-Ubuntu-22.04-Minimal-aarch64-2026.08.30-0",
            "22.04 Minimal aarch64",
            _ARM_SHAPES,
            "2026-09-02T11:05:13.077Z",
        ),
        _image(
            f"ocid1.image.oc1.{REGION}.aaaaaaaaw2unj4uax7xe7qfaktbyupzblch3k4j4mj23cob66zwhlilxmzma",
            "Canonical-Ubuntu-22.04-aarch64-2026.10.31-0",
            "22.04",
            _ARM_SHAPES,
            "2026-11-03T17:58:02.941Z",
        ),
        _image(
            f"ocid1.image.oc1.{REGION}.aaaaaaaapf2silbjy4gekblwdite5dyfdmjhcun55i5kv7ad4bqf2vj3laba",
            "Canonical-Ubuntu-22.04-Minimal-2026.10.31-0",
            "22.04 Minimal",
            _X86_SHAPES,
            "2026-11-03T18:02:26.330Z",
        ),
    ]


def _image(image_id: str, display_name: str, version: str, shapes: list[str], created: str) -> dict:
    return {
        "id": image_id,
        "display_name": display_name,
        "operating_system": "Canonical Ubuntu",
        "operating_system_version": version,
        "time_created": created,
        "compatible_shapes": list(shapes),
    }
