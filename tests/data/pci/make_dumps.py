#!/usr/bin/env python3
"""Writes the lspci-format dump files of tests/data/pci (run from anywhere; output is
deterministic, the .dump files are checked in).

Format, as `lspci -x` / `lspci -xxx` prints it and pciutils' lib/dump.c reads it back:
a header line "[DDDD:]BB:DD.F description", then config-space lines "OO: hh hh ... hh"
(16 bytes each, OO the hex offset), then an empty line. -x gives 64 bytes, -xxx 256.

Config-space layout: PCI Local Bus 3.0 section 6.1 (type 0 endpoint header) and PCI-to-PCI
Bridge 1.2 section 3.2 (type 1 header); constant names follow include/uapi/linux/pci_regs.h.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

CMD_MEMORY = 0x0002        # PCI_COMMAND_MEMORY
CMD_MASTER = 0x0004        # PCI_COMMAND_MASTER
CMD_INTX_DISABLE = 0x0400  # PCI_COMMAND_INTX_DISABLE
STATUS_CAP_LIST = 0x0010   # PCI_STATUS_CAP_LIST
BAR_MEM_64 = 0x4           # PCI_BASE_ADDRESS_MEM_TYPE_64
BAR_PREFETCH = 0x8         # PCI_BASE_ADDRESS_MEM_PREFETCH
CAP_ID_EXP = 0x10          # PCI_CAP_ID_EXP


def pcie_cap(cfg, at, port_type, speed, width):
    """A PCI Express capability (PCIe Base 4.0 section 7.5.3) at `at`, end of the list."""
    cfg[at] = CAP_ID_EXP
    cfg[at + 1] = 0x00                                            # next capability: none
    struct.pack_into('<H', cfg, at + 2, 0x0002 | (port_type << 4))  # version 2, port type
    struct.pack_into('<I', cfg, at + 4, 0x00008fe2)               # DevCap: 512B MPS, RBER
    struct.pack_into('<I', cfg, at + 0x0c, (width << 4) | speed)  # LnkCap
    struct.pack_into('<H', cfg, at + 0x12, (width << 4) | speed)  # LnkSta


def endpoint(vendor, device, cls, rev, bars, subsys, command, prog_if=0, multifunction=False,
             cap=True, speed=4, width=16, irq_pin=1):
    cfg = bytearray(256)
    struct.pack_into('<HH', cfg, 0x00, vendor, device)
    struct.pack_into('<HH', cfg, 0x04, command, STATUS_CAP_LIST if cap else 0)
    cfg[0x08] = rev
    cfg[0x09] = prog_if
    struct.pack_into('<H', cfg, 0x0a, cls)
    cfg[0x0c] = 0x10                                   # cache line: 64 bytes
    cfg[0x0e] = 0x80 if multifunction else 0x00        # header type 0
    for index, value in bars.items():                  # raw 32-bit BAR registers
        struct.pack_into('<I', cfg, 0x10 + 4 * index, value)
    struct.pack_into('<HH', cfg, 0x2c, *subsys)
    if cap:
        cfg[0x34] = 0x40
        pcie_cap(cfg, 0x40, 0, speed, width)           # port type 0: PCIe endpoint
    cfg[0x3c] = 0xff                                   # interrupt line: unassigned
    cfg[0x3d] = irq_pin
    return cfg


def bar64(address, prefetch=False):
    """The two registers of a 64-bit memory BAR."""
    low = (address & 0xfffffff0) | BAR_MEM_64 | (BAR_PREFETCH if prefetch else 0)
    return low, address >> 32


def root_port(vendor, device, secondary, mem_base, mem_limit):
    cfg = bytearray(256)
    struct.pack_into('<HH', cfg, 0x00, vendor, device)
    struct.pack_into('<HH', cfg, 0x04, CMD_MEMORY | CMD_MASTER | CMD_INTX_DISABLE, STATUS_CAP_LIST)
    cfg[0x08] = 0x04
    struct.pack_into('<H', cfg, 0x0a, 0x0604)          # PCI bridge
    cfg[0x0c] = 0x10
    cfg[0x0e] = 0x01                                   # header type 1
    cfg[0x18], cfg[0x19], cfg[0x1a] = 0x00, secondary, secondary
    cfg[0x1c], cfg[0x1d] = 0xf0, 0x00                  # I/O window closed (base > limit)
    struct.pack_into('<HH', cfg, 0x20, mem_base >> 16, mem_limit >> 16)
    struct.pack_into('<HH', cfg, 0x24, 0xfff1, 0x0001)  # prefetchable window closed, 64-bit
    cfg[0x34] = 0x40
    pcie_cap(cfg, 0x40, 4, 4, 16)                      # port type 4: root port
    cfg[0x3c], cfg[0x3d] = 0xff, 0x01
    return cfg


def bars_of(*pairs):
    out = {}
    for index, (low, high) in pairs:
        out[index] = low
        out[index + 1] = high
    return out


def dump_lines(bdf, description, cfg, length):
    lines = [f'{bdf} {description}']
    for off in range(0, length, 16):
        lines.append(f'{off:02x}: ' + ' '.join(f'{b:02x}' for b in cfg[off:off + 16]))
    return '\n'.join(lines) + '\n\n'


ENABLED = CMD_MEMORY | CMD_MASTER | CMD_INTX_DISABLE

# (bdf, lspci description line, config space, bytes dumped)
SWITCH_BOX = [
    ('00:00.0', 'Host bridge: Intel Corporation Sky Lake-E DMI3 Registers (rev 04)',
     endpoint(0x8086, 0x2020, 0x0600, 0x04, {}, (0x8086, 0x0000), 0x0000, cap=False, irq_pin=0), 64),
    ('00:01.0', 'PCI bridge: Intel Corporation Sky Lake-E PCI Express Root Port A (rev 04)',
     root_port(0x8086, 0x2030, 0x01, 0xe0000000, 0xe3f00000), 256),
    # NVIDIA Spectrum-4 Ethernet switch ASIC: 64-bit BAR0 (the register space).
    ('01:00.0', 'Ethernet controller: Mellanox Technologies Spectrum-4',
     endpoint(0x15b3, 0xcf80, 0x0200, 0x00, bars_of((0, bar64(0xe0000000))), (0x15b3, 0x0000), ENABLED), 256),
    # NVIDIA Quantum-3 CPO InfiniBand switch ASIC.
    ('02:00.0', 'Infiniband controller: Mellanox Technologies Quantum-3CPO',
     endpoint(0x15b3, 0xd2f6, 0x0207, 0x00, bars_of((0, bar64(0xe4000000))), (0x15b3, 0x0000), ENABLED), 256),
    # Broadcom Tomahawk4: BAR0 and BAR2, both 64-bit.
    ('03:00.0', 'Ethernet controller: Broadcom Inc. and subsidiaries BCM56990 Switch ASIC [Tomahawk4] (rev 11)',
     endpoint(0x14e4, 0xb990, 0x0200, 0x11,
              bars_of((0, bar64(0xe8000000)), (2, bar64(0x38000000000, prefetch=True))),
              (0x14e4, 0xb990), ENABLED), 256),
    # The cposdk reference device (no pci.ids entry): class 0280, network controller.
    ('04:00.0', 'Network controller: Device c905:0001 (rev 01)',
     endpoint(0xc905, 0x0001, 0x0280, 0x01, bars_of((0, bar64(0xec000000))), (0xc905, 0x0001), ENABLED), 256),
    # An ordinary NIC from the same vendor as Spectrum: never a candidate. Two functions.
    ('05:00.0', 'Ethernet controller: Mellanox Technologies MT2910 Family [ConnectX-7]',
     endpoint(0x15b3, 0x1021, 0x0200, 0x00, bars_of((0, bar64(0x38002000000, prefetch=True))),
              (0x15b3, 0x0041), ENABLED, multifunction=True), 256),
    ('05:00.1', 'Ethernet controller: Mellanox Technologies MT2910 Family [ConnectX-7]',
     endpoint(0x15b3, 0x1021, 0x0200, 0x00, bars_of((0, bar64(0x38004000000, prefetch=True))),
              (0x15b3, 0x0041), ENABLED, multifunction=True), 256),
    # A Spectrum-4 enumerating in flash-recovery mode: a candidate marked "recovery".
    ('06:00.0', 'Ethernet controller: Mellanox Technologies Spectrum-4, Flash recovery mode',
     endpoint(0x15b3, 0x0254, 0x0200, 0x00, bars_of((0, bar64(0xf0000000))), (0x15b3, 0x0000), ENABLED), 64),
    # A second Spectrum-4 in PCI domain 1 whose memory decoding is off (PCI_COMMAND = 0).
    ('0001:01:00.0', 'Ethernet controller: Mellanox Technologies Spectrum-4',
     endpoint(0x15b3, 0xcf80, 0x0200, 0x00, bars_of((0, bar64(0xa0000000))), (0x15b3, 0x0000), 0x0000), 256),
]

NIC_ONLY = [entry for entry in SWITCH_BOX if entry[0] in ('00:00.0', '05:00.0', '05:00.1')]


def write(name, devices, reverse=False):
    # lspci prints devices sorted; reversing one file checks that order does not matter.
    entries = list(reversed(devices)) if reverse else devices
    with open(os.path.join(HERE, name), 'w') as f:
        f.write(''.join(dump_lines(*entry) for entry in entries))


write('switch_box.dump', SWITCH_BOX)
write('switch_box_reversed.dump', SWITCH_BOX, reverse=True)
write('nic_only.dump', NIC_ONLY)
with open(os.path.join(HERE, 'malformed.dump'), 'w') as f:
    f.write('01:00.0 Ethernet controller: Mellanox Technologies Spectrum-4\n'
            '00: b3 15 80 cf 06 04 10 00 00 00 00 02 10 00 00 00\n'
            '10: 04 00 00 e0 00 00 00 zz 00 00 00 00 00 00 00 00\n\n')
with open(os.path.join(HERE, 'not_a_dump.txt'), 'w') as f:
    f.write('This is a README, not an lspci dump.\nNothing here looks like a bus address.\n')
