/* Constants of the device test guests (pci_lib.S, pci_enum.S, virtio_blk.S):
 * the xenpvh default PCI placement, configuration-space offsets (PCI Local Bus
 * 3.0 section 6) and virtio-pci (virtio 1.x section 4.1). Included after pvh.h. */
#ifndef XPVH_GUEST_PCI_LIB_H
#define XPVH_GUEST_PCI_LIB_H

/* src/machine/config.ts defaultLayout(): ECAM 256 MiB at 0xE0000000, the
 * 32-bit MMIO window at 0xC0000000 (as QEMU microvm,pcie=on). */
#define PCI_ECAM_GPA            0xE0000000
#define PCI_MMIO_GPA            0xC0000000
#define LAPIC_GPA               0xFEE00000

#define PCI_COMMAND             0x04
#define PCI_STATUS              0x06
#define PCI_CLASS_REV           0x08
#define PCI_HEADER_TYPE         0x0E
#define PCI_CAP_PTR             0x34
#define PCI_STATUS_CAP_LIST     0x10
#define PCI_CMD_MEMORY          0x02
#define PCI_CMD_BUS_MASTER      0x04
#define PCI_CAP_MSIX            0x11
#define PCI_CAP_VENDOR          0x09

/* virtio_pci_cap cfg_type */
#define VIRTIO_PCI_CAP_COMMON   1
#define VIRTIO_PCI_CAP_NOTIFY   2
#define VIRTIO_PCI_CAP_ISR      3
#define VIRTIO_PCI_CAP_DEVICE   4

/* virtio_pci_common_cfg */
#define VCC_DFSELECT            0x00
#define VCC_DF                  0x04
#define VCC_GFSELECT            0x08
#define VCC_GF                  0x0C
#define VCC_MSIX                0x10
#define VCC_NUMQ                0x12
#define VCC_STATUS              0x14
#define VCC_Q_SELECT            0x16
#define VCC_Q_SIZE              0x18
#define VCC_Q_MSIX              0x1A
#define VCC_Q_ENABLE            0x1C
#define VCC_Q_NOFF              0x1E
#define VCC_Q_DESC              0x20
#define VCC_Q_DRIVER            0x28
#define VCC_Q_DEVICE            0x30

#define VIRTIO_S_ACKNOWLEDGE    1
#define VIRTIO_S_DRIVER         2
#define VIRTIO_S_DRIVER_OK      4
#define VIRTIO_S_FEATURES_OK    8

#define VIRTQ_DESC_F_NEXT       1
#define VIRTQ_DESC_F_WRITE      2

#endif
