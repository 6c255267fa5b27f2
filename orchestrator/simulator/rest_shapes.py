"""The simulated Compute API's ListShapes: the Always Free shapes (A1.Flex, E2.1.Micro) and the
usual others, with the limits OCI gives a flexible shape's OCPUs and memory."""

from __future__ import annotations

from orchestrator.simulator.rest_images import image_record
from orchestrator.simulator.rest_protocol import Reply, Request, paged, queried_compartment
from orchestrator.simulator.store import CloudStore


def _flexible(processor: str, max_ocpus: int, memory_per_ocpu: int, max_memory: int, billing: str) -> dict:
    return {
        "processorDescription": processor,
        "ocpus": 1.0,
        "memoryInGBs": float(memory_per_ocpu),
        "isFlexible": True,
        "ocpuOptions": {"min": 1.0, "max": float(max_ocpus), "maxPerNumaNode": float(max_ocpus)},
        "memoryOptions": {
            "minInGBs": 1.0,
            "maxInGBs": float(max_memory),
            "defaultPerOcpuInGBs": float(memory_per_ocpu),
            "minPerOcpuInGBs": 1.0,
            "maxPerOcpuInGBs": 64.0,
        },
        "networkingBandwidthInGbps": 1.0,
        "maxVnicAttachments": 2,
        "billingType": billing,
    }


def _fixed(processor: str, ocpus: int, memory: float, bandwidth: float, vnics: int, billing: str) -> dict:
    return {
        "processorDescription": processor,
        "ocpus": float(ocpus),
        "memoryInGBs": float(memory),
        "isFlexible": False,
        "networkingBandwidthInGbps": bandwidth,
        "maxVnicAttachments": vnics,
        "billingType": billing,
    }


# Shape name -> its fields (billingType: ALWAYS_FREE, LIMITED_FREE for the A1 allowance, PAID).
SHAPES = {
    "VM.Standard.A1.Flex": _flexible("3.0 GHz Ampere® Altra™", 80, 6, 512, "LIMITED_FREE"),
    "BM.Standard.A1.160": _fixed("3.0 GHz Ampere® Altra™", 160, 1024, 100.0, 256, "PAID"),
    "VM.Standard.E2.1.Micro": _fixed("2.0 GHz AMD EPYC™ 7551 (processor base frequency)", 1, 1, 0.48, 1, "ALWAYS_FREE"),
    "VM.Standard.E4.Flex": _flexible("2.55 GHz AMD EPYC™ 7J13 (Milan)", 64, 16, 1024, "PAID"),
    "VM.Standard.E5.Flex": _flexible("2.4 GHz AMD EPYC™ 9J14 (Genoa)", 94, 12, 1049, "PAID"),
}


def list_shapes(store: CloudStore, request: Request) -> Reply:
    """Every shape in every AD; with imageId, only those the image can run on."""
    query = request.query
    compartment_id = queried_compartment(store, query)
    names = list(SHAPES)
    if "imageId" in query:
        compatible = image_record(store, query["imageId"])["compatible_shapes"]
        names = [name for name in names if name in compatible]
    page, headers = paged("ListShapes", names, query)
    return Reply(
        [{"shape": name, **SHAPES[name]} for name in page],
        {"compartment_id": compartment_id, "count": len(page)},
        headers,
    )
