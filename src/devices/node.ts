// Device backends that need Node (files, sockets): pass nodeDeviceBackends() as
// the Devices constructor's `backends` in Node. The browser build never imports
// this file.
import { ConfigError, type DriveConfig, type NetdevConfig } from "../machine/config.js";
import { BackendError } from "../backends/block/block_backend.js";
import { NodeFileBlock } from "../backends/block/node_file.js";
import { StreamSocketNet, DgramSocketNet } from "../backends/net/socket.js";
import type { NetBackend } from "../backends/net/net_backend.js";
import type { DeviceBackends } from "./devices.js";

export function nodeDeviceBackends(log: (m: string) => void = (m) => console.error(m)): DeviceBackends {
  return {
    log,
    openBlock(drive: DriveConfig) {
      try {
        return NodeFileBlock.open(drive.file!, drive.readonly);
      } catch (e) {
        if (e instanceof BackendError) throw new ConfigError(`xpvh: -drive ${drive.id ? `id=${drive.id}` : `file=${drive.file}`}: ${e.message}`);
        throw e;
      }
    },
    openNet(nd: NetdevConfig): NetBackend | null {
      const o = nd.options;
      try {
        if (nd.type === "socket") {
          if (o.listen !== undefined) return StreamSocketNet.listen(o.listen, log);
          if (o.connect !== undefined) return StreamSocketNet.connect(o.connect, log);
          if (o.udp !== undefined) return new DgramSocketNet(o.localaddr ?? ":0", o.udp, log);
          throw new ConfigError(`xpvh: -netdev socket,id=${nd.id}: give listen=, connect= or udp= (mcast= is not supported)`);
        }
        if (nd.type === "dgram") {
          const local = o["local.host"] !== undefined || o["local.port"] !== undefined ? `${o["local.host"] ?? ""}:${o["local.port"] ?? 0}` : ":0";
          if (o["remote.port"] === undefined) throw new ConfigError(`xpvh: -netdev dgram,id=${nd.id}: needs remote.host and remote.port`);
          if ((o["local.type"] ?? "inet") !== "inet" || (o["remote.type"] ?? "inet") !== "inet")
            throw new ConfigError(`xpvh: -netdev dgram,id=${nd.id}: only inet addresses are supported`);
          return new DgramSocketNet(local, `${o["remote.host"] ?? "127.0.0.1"}:${o["remote.port"]}`, log);
        }
      } catch (e) {
        if (e instanceof ConfigError) throw e;
        throw new ConfigError(`xpvh: -netdev ${nd.type},id=${nd.id}: ${(e as Error).message}`);
      }
      return null;
    },
  };
}
