// xen_version (17): `(cmd, buf)` (reference §3; xen/include/public/version.h).

import type { FamilyResult, HypercallCall } from "../hypercall.js";
import type { Xen } from "../xen.js";
import { EINVAL, EPERM } from "../errno.js";
import { GuestStruct, encodeFixedString } from "../abi/struct.js";
import {
  XENFEAT_auto_translated_physmap,
  XENFEAT_hvm_callback_vector,
  XENFEAT_hvm_safe_pvclock,
  XENFEAT_writable_page_tables,
  XENVER_capabilities,
  XENVER_changeset,
  XENVER_commandline,
  XENVER_compile_info,
  XENVER_extraversion,
  XENVER_get_features,
  XENVER_guest_handle,
  XENVER_pagesize,
  XENVER_platform_parameters,
  XENVER_version,
  XEN_CAPABILITIES_INFO_LEN,
  XEN_CHANGESET_INFO_LEN,
  XEN_COMPILE_INFO,
  XEN_DOMAIN_HANDLE_LEN,
  XEN_EXTRAVERSION_LEN,
  XEN_FEATURE_INFO,
  XEN_PLATFORM_PARAMETERS,
} from "../abi/version.js";

/** XENFEAT bits for submap 0. Not hvm_pirqs (10): with it Linux would route GSIs and
 * MSIs through PIRQ event channels, which xpvh does not deliver (reference §3). */
export const XEN_FEATURES_SUBMAP0 =
  (1 << XENFEAT_writable_page_tables) |
  (1 << XENFEAT_auto_translated_physmap) |
  (1 << XENFEAT_hvm_callback_vector) |
  (1 << XENFEAT_hvm_safe_pvclock);

export function xenVersion(xen: Xen, c: HypercallCall): FamilyResult {
  const cmd = Number(c.args[0] & 0xffff_ffffn);
  const buf = c.args[1];
  const info = xen.versionInfo;
  const put = (s: string, len: number): number => {
    c.vcpu.writeVirt(buf, encodeFixedString(s, len));
    return 0;
  };
  switch (cmd) {
    case XENVER_version:
      return xen.config.xenVersion >>> 0;
    case XENVER_extraversion:
      return put(info.extraversion, XEN_EXTRAVERSION_LEN);
    case XENVER_compile_info: {
      const out = new Uint8Array(XEN_COMPILE_INFO.size);
      const f = XEN_COMPILE_INFO;
      out.set(encodeFixedString(info.compiler, f.compiler.len), f.compiler.off);
      out.set(encodeFixedString(info.compileBy, f.compile_by.len), f.compile_by.off);
      out.set(encodeFixedString(info.compileDomain, f.compile_domain.len), f.compile_domain.off);
      out.set(encodeFixedString(info.compileDate, f.compile_date.len), f.compile_date.off);
      c.vcpu.writeVirt(buf, out);
      return 0;
    }
    case XENVER_capabilities:
      return put(info.capabilities, XEN_CAPABILITIES_INFO_LEN);
    case XENVER_changeset:
      return put(info.changeset, XEN_CHANGESET_INFO_LEN);
    case XENVER_platform_parameters:
      // virt_start: the hypervisor hole; 0 for HVM/PVH guests, which have none.
      new GuestStruct(XEN_PLATFORM_PARAMETERS.of(c.long)).set("virt_start", 0).writeBack(c.vcpu, buf);
      return 0;
    case XENVER_get_features: {
      const s = GuestStruct.read(c.vcpu, buf, XEN_FEATURE_INFO.of(c.long));
      if (s.get("submap_idx") !== 0) return -EINVAL;
      s.set("submap", XEN_FEATURES_SUBMAP0).writeBack(c.vcpu, buf, "submap");
      return 0;
    }
    case XENVER_pagesize:
      return 4096;
    case XENVER_guest_handle:
      c.vcpu.writeVirt(buf, xen.domainHandle.slice(0, XEN_DOMAIN_HANDLE_LEN));
      return 0;
    case XENVER_commandline:
      return -EPERM; // platform-control only; Xen refuses it to a domU
    default:
      return undefined;
  }
}
